"""Per-code message templates in Chinese and English, rendered when a finding is shown.

A template may use ``{label}`` (the column's header in that language), ``{value}``,
``{expected}`` and any of the finding's ``params``.  A finding with a ``reason`` uses the
``(code, reason)`` template when there is one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gendan.model.findings import Finding

#: Every finding code the product emits, with its default severity (interfaces.md).
DEFAULT_SEVERITY: dict[str, str] = {
    "required": "error",
    "type": "error",
    "text-date": "warning",
    "enum": "error",
    "pattern": "error",
    "range": "error",
    "duplicate": "error",
    "unknown-customer": "error",
    "unknown-product": "error",
    "amount-mismatch": "error",
    "weight-mismatch": "error",
    "gross-not-above-net": "error",
    "container-overflow": "error",
    "container-count": "error",
    "container-check-digit": "error",
    "temperature-range": "error",
    "date-order": "error",
    "late-shipment": "error",
    "lc-presentation": "error",
    "lc-expiry-before-shipment": "error",
    "dispatch-method": "error",
    "over-received": "error",
    "overdue": "warning",
    "bank-charges": "info",
    "price-outlier": "warning",
    "certificate-missing": "error",
    "doc-mismatch": "error",
    "doc-missing": "error",
    "doc-value-missing": "warning",
    "container-cartons": "error",
    "seal-number": "error",
}
KNOWN_CODES = frozenset(DEFAULT_SEVERITY)

TEMPLATES: dict[tuple[str, str | None], tuple[str, str]] = {
    ("required", None): ("「{label}」不能为空。", "{label} must not be blank."),
    ("required", "conditional"): ("{when}时「{label}」不能为空。", "{label} is required when {when_en}."),
    ("required", "column-missing"): (
        "工作表缺少必填列「{label}」。",
        "The sheet has no column {label}, which is required.",
    ),
    ("type", None): ("「{label}」的值“{value}”不是有效的{type_zh}。", "{label} '{value}' is not a valid {type_en}."),
    ("type", "formula-no-value"): (
        "「{label}」是没有计算结果的公式，请在 Excel 中重新计算并保存。",
        "{label} is a formula without a calculated value; recalculate and save the workbook in Excel.",
    ),
    ("type", "ambiguous-date"): (
        "「{label}」“{value}”可以读作两个日期（{expected}），请输入真正的日期或写成 YYYY-MM-DD。",
        "{label} '{value}' reads as two dates ({expected}); enter a real date or write it as YYYY-MM-DD.",
    ),
    ("type", "excel-error"): ("「{label}」是 Excel 错误值 {value}。", "{label} holds the Excel error {value}."),
    ("type", "terms"): (
        "无法识别付款方式“{value}”（例如：T/T 30% deposit, 70% against B/L copy；D/P at sight；L/C at sight）。",
        "Payment terms '{value}' are not recognised (e.g. 'T/T 30% deposit, 70% against B/L copy', 'D/P at sight', 'L/C at sight').",
    ),
    ("text-date", None): (
        "「{label}」“{value}”是文字形式的日期，应输入真正的日期（{expected}）。",
        "{label} '{value}' is a date typed as text; enter it as a real date ({expected}).",
    ),
    ("enum", None): ("「{label}」的值“{value}”不在允许的范围内：{expected}。", "{label} '{value}' is not one of {expected}."),
    ("pattern", None): ("「{label}」“{value}”格式不对，应为{expected}。", "{label} '{value}' is not of the form {expected}."),
    ("range", None): ("「{label}」{value} 超出范围，应{expected}。", "{label} {value} is out of range; it should be {expected}."),
    ("duplicate", None): (
        "「{label}」“{value}”重复，第 {first_row} 行已有。",
        "{label} '{value}' appears more than once; it is already in row {first_row}.",
    ),
    ("unknown-customer", None): ("客户“{value}”不在「客户」表中。", "Customer '{value}' is not in the Customers sheet."),
    ("unknown-product", None): (
        "品名规格“{value}”不在「产品」表中。",
        "Product and spec '{value}' are not in the Products sheet.",
    ),
    ("amount-mismatch", None): (
        "金额 {value} 不等于 箱数 × 单价 = {expected}。",
        "Amount {value} is not cartons × unit price = {expected}.",
    ),
    ("weight-mismatch", None): (
        "净重 {value} kg 不等于 箱数 × 每箱净重 = {expected} kg。",
        "Net weight {value} kg is not cartons × kg per carton = {expected} kg.",
    ),
    ("weight-mismatch", "kg-per-carton"): (
        "每箱净重 {value} kg 与「产品」表中 {product} 的 {expected} kg 不符。",
        "Net kg per carton {value} differs from {expected} kg for {product} in the Products sheet.",
    ),
    ("gross-not-above-net", None): (
        "毛重 {value} kg 应大于净重 {net} kg。",
        "Gross weight {value} kg must be above the net weight {net} kg.",
    ),
    ("container-overflow", None): (
        "{value} 箱超过 {containers} 个 {container_type} 柜的装载量 {capacity} 箱。",
        "{value} cartons exceed what {containers} × {container_type} hold ({capacity} cartons).",
    ),
    ("container-overflow", "no-capacity"): (
        "「产品」表没有 {product} 在 {container_type} 柜的装箱数，无法核对装载量。",
        "The Products sheet gives no carton capacity of {container_type} for {product}.",
    ),
    ("container-count", None): (
        "柜号有 {value} 个，柜数却是 {containers}。",
        "There are {value} container numbers but {containers} containers.",
    ),
    ("container-check-digit", None): (
        "柜号 {value} 通不过 ISO 6346 校验：前十位 {first10} 需要的校验位是 {digit}，不是 {typed}。"
        "号码某处打错了（字母或数字都有可能），请对照提单或装箱单核对整个柜号。",
        "Container number {value} fails its ISO 6346 check: the first ten characters {first10} need check "
        "digit {digit}, not {typed}. The number is mistyped somewhere (a letter or a digit); check the whole "
        "number against the B/L or the packing list.",
    ),
    ("container-check-digit", "form"): (
        "柜号 {value} 不是 4 个字母加 7 位数字。",
        "Container number {value} is not 4 letters and 7 digits.",
    ),
    ("temperature-range", None): (
        "温度 {value}°C 超出 {product} 的范围 {range}°C。",
        "Temperature {value} °C is outside {range} °C for {product}.",
    ),
    ("date-order", None): (
        "「{label}」{value} 早于「{other_zh}」{other}。",
        "{label} {value} is before {other_en} {other}.",
    ),
    ("late-shipment", None): (
        "提单日期 {value} 晚于信用证最迟装运期 {latest}：银行会以迟装运为不符点拒付。"
        "请买方修改信用证（展延最迟装运期和有效期），或在交单前请买方接受这个不符点。",
        "B/L date {value} is after the L/C's latest shipment date {latest}: the bank will refuse the documents "
        "for late shipment. Ask the buyer to amend the L/C (extend the latest shipment and expiry dates), or to "
        "accept the discrepancy (a waiver) before you present.",
    ),
    ("late-shipment", "settled"): (
        "提单日期 {value} 晚于信用证最迟装运期 {latest}；该订单已{settled_zh}，这是已经过去的事。",
        "B/L date {value} was after the L/C's latest shipment date {latest}; the order has since been "
        "{settled_en}, so this is history.",
    ),
    ("lc-presentation", None): (
        "寄单日期 {value} 晚于提单日后 {days} 天的交单期限 {deadline}：银行会以迟交单拒付，只能请买方接受这个不符点。",
        "Documents sent {value}, after the presentation deadline {deadline} ({days} days after the B/L date): "
        "the bank will refuse late presentation; only the buyer's acceptance of the discrepancy can save it.",
    ),
    ("lc-presentation", "after-expiry"): (
        "寄单日期 {value} 晚于信用证有效期 {expiry}：银行会拒付，只能请买方接受这个不符点。",
        "Documents sent {value}, after the L/C expiry {expiry}: the bank will refuse them; only the buyer's "
        "acceptance of the discrepancy can save it.",
    ),
    ("lc-presentation", "settled"): (
        "寄单日期 {value} 晚于交单期限 {deadline}（提单日后 {days} 天）；该订单已{settled_zh}，这是已经过去的事。",
        "Documents were sent {value}, after the presentation deadline {deadline} ({days} days after the B/L "
        "date); the order has since been {settled_en}, so this is history.",
    ),
    ("lc-presentation", "after-expiry-settled"): (
        "寄单日期 {value} 晚于信用证有效期 {expiry}；该订单已{settled_zh}，这是已经过去的事。",
        "Documents were sent {value}, after the L/C expiry {expiry}; the order has since been {settled_en}, "
        "so this is history.",
    ),
    ("lc-expiry-before-shipment", None): (
        "信用证有效期 {value} 早于最迟装运期 {latest}，请对照信用证原文核对这两个日期。",
        "L/C expiry {value} is before the latest shipment date {latest}; check both against the L/C itself.",
    ),
    ("dispatch-method", None): (
        "{method} 单据应通过银行寄送，不能用 {value} 直接寄给客户。",
        "{method} documents must go through the bank, not by {value} straight to the buyer.",
    ),
    ("dispatch-method", "settled"): (
        "{method} 单据曾用 {value} 直接寄给客户（寄单日期 {sent}），没有经过银行；该订单已{settled_zh}，这是已经过去的事。",
        "{method} documents went by {value} straight to the buyer on {sent}, not through the bank; the order "
        "has since been {settled_en}, so this is history.",
    ),
    ("dispatch-method", "balance-unpaid"): (
        "尾款未收齐（已收 {received} / {amount}）就在 {sent} 用 {value} 寄出了正本单据，等于放货。",
        "Original documents went by {value} on {sent} with only {received} of {amount} received: that gives "
        "away the goods.",
    ),
    ("dispatch-method", "paid-after-dispatch"): (
        "正本单据在 {sent} 用 {value} 寄出，早于尾款到账；尾款已于 {received_date} 收到（已收 {received} / {amount}）。",
        "Original documents went by {value} on {sent}, before the balance arrived; it arrived on "
        "{received_date} ({received} of {amount} received).",
    ),
    ("dispatch-method", "settled-short"): (
        "正本单据在 {sent} 用 {value} 寄出时尾款未收齐；该订单已{settled_zh}，已收 {received} / {amount}。",
        "Original documents went by {value} on {sent} before the balance was paid; the order is marked "
        "{settled_en} with {received} of {amount} received.",
    ),
    ("over-received", None): ("已收金额 {value} 超过金额 {amount}。", "Received {value} is more than the amount {amount}."),
    ("overdue", None): (
        "{part_zh}{currency} {outstanding} 已于 {due} 到期，逾期 {days} 天。",
        "{part_en}{currency} {outstanding} was due on {due} and is {days} days overdue.",
    ),
    ("bank-charges", None): (
        "{part_zh}已收 {received} / {amount}，少收的 {currency} {short} 在银行费用容差（{currency} {limit}）之内："
        "按银行扣费处理，不算欠款，不催款。",
        "{part_en}{received} of {amount} received: the {currency} {short} short is within the bank-charge limit "
        "({currency} {limit}), so it is taken as bank charges, not a debt, and not dunned.",
    ),
    ("price-outlier", None): (
        "单价 {value} 是本表中{scope_zh}其他 {n} 个单价的中位数 {median} 的 {factor_zh}，请核对是否多打或少打了一位。",
        "Unit price {value} is {factor_en} the median {median} of the {n} other prices for {scope_en} in this "
        "book; check for a slipped digit.",
    ),
    ("certificate-missing", None): (
        "{source_zh}的所需单据包括{cert_zh}，单据已寄出，但「{label}」为空。",
        "{source_en} requires the {cert_en} among the documents, which have been sent, but {label} is blank.",
    ),
    ("doc-mismatch", None): (
        "单据「{document}」的{label}“{value}”与工作序列表的“{expected}”不一致。",
        "{document}: {label} '{value}' differs from the master's '{expected}'.",
    ),
    ("doc-missing", None): (
        "状态为已寄单，但缺少{label}。",
        "Status says documents were sent, but {label} is missing.",
    ),
    ("doc-value-missing", None): (
        "「{label}」为空：订单已到「{stage_zh}」阶段，{documents_zh}需要它，现在会印成 {missing}。",
        "{label} is blank, but the order has reached '{stage_en}' and the {documents_en} need it: it would "
        "print as {missing}.",
    ),
    ("doc-value-missing", "reference"): (
        "「{label}」为空：订单 {contract} 已到「{stage_zh}」阶段，{documents_zh}需要它，现在会印成 {missing}。",
        "{label} is blank, but order {contract} has reached '{stage_en}' and its {documents_en} need it: it "
        "would print as {missing}.",
    ),
    ("container-cartons", None): (
        "每柜箱数 {value} 合计 {total}，不等于箱数 {cartons}：装箱单各柜件数会与总件数对不上。",
        "Cartons per container {value} add up to {total}, not the order's {cartons} cartons: the packing "
        "list's container rows would not add up to its total.",
    ),
    ("container-cartons", "count"): (
        "每柜箱数“{value}”有 {items} 项，但有 {containers} 个柜：请按柜号顺序每柜写一个数，如 1080 / 960。",
        "Cartons per container '{value}' gives {items} figures for {containers} containers: write one "
        "number per container, in the order of the container numbers, e.g. 1080 / 960.",
    ),
    ("container-cartons", "thousands"): (
        "每柜箱数“{value}”中的千位逗号会被当作分隔符（读出 {items} 项，而有 {containers} 个柜）：请写 1080 / 960，不要写 1,080。",
        "The thousands commas in cartons per container '{value}' read as separators ({items} figures for "
        "{containers} containers): write 1080 / 960, not 1,080 / 960.",
    ),
    ("container-cartons", "form"): (
        "每柜箱数“{value}”应为每柜一个正整数，用 / 分开，如 1080 / 960。",
        "Cartons per container '{value}' should be one whole number per container separated by /, e.g. "
        "1080 / 960.",
    ),
    ("seal-number", "count"): (
        "封号有 {items} 个，柜却有 {containers} 个：每个柜一个封号，按柜号顺序填写。",
        "There are {items} seal numbers for {containers} containers: one seal per container, in the order "
        "of the container numbers.",
    ),
    ("seal-number", "repeated"): (
        "封号 {value} 在本订单中出现了两次：每个柜有自己的封号。",
        "Seal {value} appears twice in this order: each container has its own seal.",
    ),
    ("seal-number", "shared"): (
        "封号 {value} 已用在第 {first_row} 行（{first_contract}）的另一个柜上：一个封号只属于一个柜，请对照装柜记录核对。",
        "Seal {value} is already on another container in row {first_row} ({first_contract}): a seal belongs "
        "to one container; check it against the loading record.",
    ),
}

TYPE_NAMES = {
    "date": ("日期", "date"),
    "number": ("数字", "number"),
    "integer": ("整数", "whole number"),
    "enum": ("选项", "choice"),
    "text": ("文本", "text"),
    "terms": ("付款方式", "payment terms"),
}


class _Default(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(finding: Finding, lang: str) -> str:
    """The finding's sentence in ``lang`` ('zh' or 'en')."""
    tmpl = TEMPLATES.get((finding.code, finding.reason)) or TEMPLATES.get((finding.code, None))
    params = _Default(finding.params)
    params.setdefault("value", finding.value or "")
    params.setdefault("expected", finding.expected or "")
    params["label"] = params.get(f"label_{lang}", finding.key)
    if tmpl is None:
        return f"{finding.code}: {finding.key} {finding.value or ''}".strip()
    text = tmpl[0] if lang == "zh" else tmpl[1]
    return text.format_map(params)
