"""purchasing."""

from fastapi import APIRouter

router = APIRouter()
