"""NanoAOD-schema output: branch names and types as CMS (``schema``), the GenPart record
(``genpart``), the ROOT writer (``writer``) and the JSON sidecar (``sidecar``)."""
