"""Field types shared by the request and response schemas."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

Code = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Region = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=4)]
Reason = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=200)]

T = TypeVar("T")


def _admits_bool(annotation: Any) -> bool:
    return annotation is bool or bool in get_args(annotation)


class Input(BaseModel):
    """Request bodies refuse unknown fields, so nobody sets what a body does not own; refuse
    NUL characters, which no database column should hold; and refuse true/false where a
    number is meant (lax parsing would read `"qty": true` as 1)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul_no_bool_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("text may not contain NUL characters")
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and not _admits_bool(field.annotation):
            raise ValueError("a number is expected, not true or false")
        return value


class PageParams(Input):
    """Query parameters of every list: unknown parameters are refused like unknown fields."""

    cursor: Annotated[str, Field(max_length=200)] | None = None
    limit: Annotated[int, Field(ge=1, le=10_000)] | None = None


class Page(BaseModel, Generic[T]):
    data: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
