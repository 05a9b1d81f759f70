"""The baseline for the mock's overhead: a bare FastAPI endpoint, nothing else."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare() -> dict[str, str]:
    return {"status": "ok"}
