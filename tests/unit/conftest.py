import sys

from infra.local.api import API_DIR

# Lambda runs the API with functions/api as its working directory (chalicelib importable).
if str(API_DIR) not in sys.path:
    sys.path.insert(0, str(API_DIR))
