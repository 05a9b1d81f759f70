"""The budget classification catalog (Mục lục ngân sách nhà nước): sub-section codes
a payment order is charged to. A representative subset of the 2016 catalog's
expenditure sub-sections (tiểu mục), enough for realistic drafts and searches."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class BudgetCode:
    code: str
    name: str
    group: str


_GROUPS = {
    "60": "Salaries and allowances",
    "61": "Salaries and allowances",
    "62": "Welfare and contributions",
    "63": "Welfare and contributions",
    "65": "Public services and supplies",
    "66": "Communication and conferences",
    "67": "Travel and hire",
    "69": "Repairs and maintenance",
    "70": "Professional operations",
    "90": "Asset purchases",
}

_CODES = [
    ("6001", "Lương theo ngạch, bậc (salary by grade)"),
    ("6003", "Lương hợp đồng dài hạn (long-term contract salary)"),
    ("6051", "Tiền công trả cho lao động thường xuyên (regular wages)"),
    ("6101", "Phụ cấp chức vụ (position allowance)"),
    ("6102", "Phụ cấp khu vực (regional allowance)"),
    ("6112", "Phụ cấp ưu đãi nghề (occupational allowance)"),
    ("6113", "Phụ cấp trách nhiệm theo nghề, theo công việc (responsibility allowance)"),
    ("6115", "Phụ cấp thâm niên nghề (seniority allowance)"),
    ("6251", "Trợ cấp khó khăn thường xuyên (hardship subsidy)"),
    ("6257", "Tiền nước uống (drinking water)"),
    ("6301", "Bảo hiểm xã hội (social insurance)"),
    ("6302", "Bảo hiểm y tế (health insurance)"),
    ("6303", "Kinh phí công đoàn (trade union fee)"),
    ("6304", "Bảo hiểm thất nghiệp (unemployment insurance)"),
    ("6501", "Thanh toán tiền điện (electricity)"),
    ("6502", "Thanh toán tiền nước (water)"),
    ("6503", "Thanh toán tiền nhiên liệu (fuel)"),
    ("6504", "Thanh toán tiền vệ sinh, môi trường (sanitation)"),
    ("6551", "Văn phòng phẩm (stationery)"),
    ("6552", "Mua sắm công cụ, dụng cụ văn phòng (office tools)"),
    ("6599", "Vật tư văn phòng khác (other office supplies)"),
    ("6601", "Cước phí điện thoại trong nước (domestic telephone)"),
    ("6605", "Thuê bao kênh vệ tinh, cước internet (internet)"),
    ("6606", "Tuyên truyền, quảng cáo (publicity)"),
    ("6651", "In, mua tài liệu hội nghị (conference documents)"),
    ("6657", "Tiền ăn hội nghị (conference meals)"),
    ("6701", "Tiền vé máy bay, tàu, xe (travel tickets)"),
    ("6702", "Phụ cấp công tác phí (travel allowance)"),
    ("6703", "Tiền thuê phòng ngủ (lodging)"),
    ("6751", "Thuê phương tiện vận chuyển (vehicle hire)"),
    ("6757", "Thuê lao động trong nước (domestic labour hire)"),
    ("6905", "Sửa chữa ô tô con, ô tô tải (vehicle repairs)"),
    ("6907", "Sửa chữa nhà cửa (building repairs)"),
    ("6912", "Sửa chữa thiết bị tin học (IT equipment repairs)"),
    ("6921", "Sửa chữa đường điện, cấp thoát nước (utility lines repairs)"),
    ("7001", "Chi mua hàng hóa, vật tư chuyên môn (professional supplies)"),
    ("7006", "Sách, tài liệu, chế độ dùng cho chuyên môn (professional literature)"),
    ("7012", "Chi thanh toán hợp đồng thực hiện nghiệp vụ (professional contracts)"),
    ("7049", "Chi phí nghiệp vụ chuyên môn khác (other professional costs)"),
    ("9003", "Mua sắm phần mềm ứng dụng (application software)"),
    ("9062", "Mua sắm thiết bị tin học (IT equipment)"),
    ("9063", "Mua sắm máy photocopy (photocopiers)"),
]

BUDGET_CODES: tuple[BudgetCode, ...] = tuple(
    BudgetCode(code, name, _GROUPS[code[:2]]) for code, name in _CODES
)
CODES: frozenset[str] = frozenset(c.code for c in BUDGET_CODES)


def fold(text: str) -> str:
    """Lower case without diacritics, so 'luong' finds 'Lương' (đ folds to d)."""
    text = text.lower().replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


_FOLDED = tuple((fold(f"{c.code} {c.name} {c.group}"), c) for c in BUDGET_CODES)


def search(query: str | None, limit: int) -> list[BudgetCode]:
    if not query:
        return list(BUDGET_CODES[:limit])
    needle = fold(query.strip())
    return [code for folded, code in _FOLDED if needle in folded][:limit]
