"""Words the citizen reads: purposes, outcomes and refusal reasons, in English and 繁體中文."""

from __future__ import annotations

DETAIL_TYPE = "urn:iamsmart:data-exchange"

# Purpose id -> (English, Traditional Chinese). A consumer registers per purpose; a dataset
# lists the purposes it may lawfully be used for (PDPO DPP1, DPP3).
PURPOSES: dict[str, tuple[str, str]] = {
    "licence_application": ("Applying for or renewing a licence", "申請或續領牌照"),
    "address_update": ("Updating your address", "更新地址"),
    "benefit_application": ("Applying for a benefit or allowance", "申請福利或津貼"),
    "school_admission": ("School admission", "學校入學"),
    "account_opening": ("Opening an account", "開立帳戶"),
    "identity_verification": ("Verifying your identity", "核實身份"),
    "form_filling": ("Filling in a form for you (e-ME)", "代你填寫表格（填表通）"),
    "citizen_access": ("You reading your own data", "你查閱自己的資料"),
}
# Reserved: only the citizen's own "My data" reads use it; no consumer may register it.
CITIZEN_ACCESS = "citizen_access"

MODES: dict[str, tuple[str, str]] = {
    "one_time": ("Once only", "只限一次"),
    "standing": ("Until it expires or you withdraw it", "直至到期或你撤回為止"),
}

# Why a fetch was refused: the error code the consumer gets and the access log shows.
REASONS: dict[str, tuple[str, str]] = {
    "consent_revoked": ("You had withdrawn this consent.", "你已撤回此同意。"),
    "consent_expired": ("This consent had expired.", "此同意已過期。"),
    "consent_used": ("This one-time consent had already been used.", "此一次性同意已使用。"),
    "outside_consent": ("The request went beyond what you agreed to.",
                        "要求超出你所同意的範圍。"),
    "outside_registration": ("The service is not registered for this data or purpose.",
                             "該服務未登記使用此資料或用途。"),
    "wrong_department_key": ("The service called with another department's key.",
                             "該服務使用了其他部門的密鑰。"),
}

# Why a face step-up did not pass (the access log's words for a ``face`` event's reason):
# the decision's reasons and the names of the errors the step-up reports.
FACE_REASONS: dict[str, tuple[str, str]] = {
    "no_match": ("The face did not match your enrolled face.", "面孔與你登記的面孔不符。"),
    "borderline": ("The match was not certain enough.", "配對結果不夠肯定。"),
    "liveness_failed": ("The live check did not pass.", "活體檢測未能通過。"),
    "LivenessFailed": ("The live check did not pass.", "活體檢測未能通過。"),
    "LivenessRefused": ("The live check was not completed.", "活體檢測未有完成。"),
    "InvalidImage": ("The photo could not be used.", "相片無法使用。"),
    "FaceNotUsable": ("The photo could not be used.", "相片無法使用。"),
    "PayloadTooLarge": ("The photo was too large.", "相片過大。"),
    "NotEnrolled": ("No face template was kept.", "沒有保存面孔模板。"),
    "StepUpClosed": ("The login had already ended.", "登入已經結束。"),
    "Unavailable": ("The check could not be completed at the time.", "當時未能完成檢查。"),
    "DomainError": ("The check could not be completed.", "未能完成檢查。"),
}

# How each provider answered (labels for partial results: never a silent gap).
PROVIDER_STATUS = ("ok", "not_held", "timeout", "unavailable")


def purpose_label(purpose: str) -> dict[str, str]:
    en, tc = PURPOSES.get(purpose, (purpose, purpose))
    return {"id": purpose, "en": en, "tc": tc}


def reason_label(reason: str | None) -> dict[str, str | None]:
    if reason is None:
        return {"reason": None, "reason_en": None, "reason_tc": None}
    en, tc = REASONS.get(reason) or FACE_REASONS.get(reason, ("Refused.", "已拒絕。"))
    return {"reason": reason, "reason_en": en, "reason_tc": tc}
