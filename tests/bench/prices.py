"""The price table of the cost model (tests/bench/cost.py): AWS list prices in US dollars for
ap-east-1 (Hong Kong), on-demand, first pricing tier, no free tier, no savings plans.

Source and date: AWS's public pricing pages (aws.amazon.com/<service>/pricing) as remembered on
2026-12-07. This machine has no internet access (package registries only), so not one figure
here could be checked against the live page: every price is an assumption until someone with
a browser confirms it, and ``ASSUMED`` says how sure each one is:
- "uniform": AWS charges the same in every commercial region (KMS), remembered with confidence;
- "regional": the Hong Kong price as remembered; the region is dearer than us-east-1
  (typically by 10-40 %), and the exact uplift was not checkable;
- "uplift": no Hong Kong figure remembered; us-east-1's list price times ``HK_UPLIFT``.
Rekognition is not offered in ap-east-1; the platform calls it in ``rekognition_region``
(ap-northeast-1, Tokyo: iamsmart.settings), so its prices are Tokyo's.

Change a price here and nowhere else; `make bench` prints the per-flow costs from it.
"""

from __future__ import annotations

REGION = "ap-east-1"
AS_OF = "2026-12-07 (remembered; not checked against aws.amazon.com: no internet here)"
HK_UPLIFT = 1.1  # assumed Hong Kong premium over us-east-1 where no HK figure is remembered

PRICES: dict[str, float] = {
    # AWS Lambda, x86_64 (infra/layers.py ARCHITECTURE), per request and per GB-second
    "lambda_request": 0.20 / 1e6 * HK_UPLIFT,
    "lambda_gb_second": 0.0000166667 * HK_UPLIFT,
    # API Gateway REST API, per request (first 333 million a month)
    "apigateway_rest_request": 4.25 / 1e6,
    # DynamoDB on-demand (after the November 2024 halving), per read / write request unit
    "dynamodb_rru": 0.1415 / 1e6,
    "dynamodb_wru": 0.7068 / 1e6,
    # KMS: symmetric and HMAC requests (Decrypt, GenerateMac, ...); asymmetric ECC Sign/Verify
    "kms_request": 0.03 / 1e4,
    "kms_asymmetric_request": 0.15 / 1e4,
    # Step Functions: Standard per state transition; Express per request and per GB-second
    # (billed in 100 ms at 64 MB steps)
    "sfn_standard_transition": 0.025 / 1e3 * HK_UPLIFT,
    "sfn_express_request": 1.00 / 1e6 * HK_UPLIFT,
    "sfn_express_gb_second": 0.00001667 * HK_UPLIFT,
    # S3 Standard: PUT/COPY/POST/LIST per request; GET/HEAD and others per request
    "s3_put": 0.0055 / 1e3,
    "s3_get": 0.00044 / 1e3,
    # SQS standard queue, per request (64 KB chunk)
    "sqs_request": 0.40 / 1e6 * HK_UPLIFT,
    # CloudFront, HTTPS requests from Hong Kong (data transfer out not modelled: pages and
    # JSON answers are a few kB, under $0.000001 a request)
    "cloudfront_https_request": 0.0120 / 1e4,
    # Rekognition in ap-northeast-1: image APIs (DetectFaces, CompareFaces, IndexFaces,
    # SearchFacesByImage) per image, first million a month; Face Liveness per check
    "rekognition_image": 0.0013,
    "rekognition_liveness_check": 0.015 * HK_UPLIFT,
}

ASSUMED: dict[str, str] = {
    "lambda_request": "uplift", "lambda_gb_second": "uplift",
    "apigateway_rest_request": "regional",
    "dynamodb_rru": "regional", "dynamodb_wru": "regional",
    "kms_request": "uniform", "kms_asymmetric_request": "uniform",
    "sfn_standard_transition": "uplift", "sfn_express_request": "uplift",
    "sfn_express_gb_second": "uplift",
    "s3_put": "regional", "s3_get": "regional",
    "sqs_request": "uplift",
    "cloudfront_https_request": "regional",
    "rekognition_image": "regional", "rekognition_liveness_check": "uplift",
}

# Work assumptions (not prices) the model needs and the benches cannot measure here.
AWS_CALL_MS = 10.0  # a Lambda waits about this long per in-region AWS call (billed duration)
REKOGNITION_CALL_MS = 400.0  # a Rekognition image call from Hong Kong to Tokyo
TASK_CPU_MS = 20.0  # CPU of a Step Functions task function besides its AWS calls
PROVIDER_MS = 150.0  # a data provider's answer to the exchange's call
EXPRESS_SECONDS = 1.0  # an Express execution's billed duration (step-up, fetch)
LOGIN_PAGE_REQUESTS = 8  # login.html and its stylesheet, icon and scripts (a cold cache)
