"""Faces: photo validation and the face-engine port (Rekognition in AWS, dlib locally).

Used by registration (selfie against the Immigration record photo) and the face step-up.
Start with ``engine_for(settings())`` and ``images.validate``. Liveness sessions and face
templates are stored through ``faces.dal`` (the context's only way to DynamoDB).
"""

from iamsmart.faces.engine import Comparison, FaceEngine, decide, engine_for

__all__ = ["Comparison", "FaceEngine", "decide", "engine_for"]
