"""Cost to own, FastAPI vs Django: code per feature, dependencies and image sizes, cold
start, idle memory and the time an extra pod takes to serve (``python -m bench cost``)."""
