"""Files: what an upload is (``types``), how its bytes are checked while they stream in
(``uploads``), the headers it is downloaded with (``downloads``), its bounds
(``limits``) and the files API's errors (``problems``), for the FastAPI files service,
the Django twin and the worker. Where the bytes are kept is ``saaskit.storage``."""
