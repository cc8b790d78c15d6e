"""The ASGI entry point uvicorn serves: `uvicorn api.asgi:app`."""

from api.main import create_app

app = create_app()
