"""Parsing and checking CSV files, without a database: every problem at its line and column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fieldbot.domain.model import Branch, Contract, Language, Part, Role, Staff, StockLevel
from fieldbot.services.imports import ImportFailed, KnownKeys, parse_csv
from fieldbot.settings import Settings, load_settings

KNOWN = KnownKeys(
    branches=frozenset({"SH01", "SH02"}),
    customers=frozenset({"C001", "C002"}),
    parts=frozenset({"P001", "P002"}),
    staff=frozenset({"T01", "S01"}),
    technicians=frozenset({"T01"}),
)

HEADERS = {
    "branches": "code,name,latitude,longitude,timezone,urban_radius_km,working_hours",
    "staff": "code,name,roles,branch,phone,language,skills",
    "customers": "code,name,phone,address,latitude,longitude,branch,language",
    "equipment": "serial,customer,model,product_line,purchased_on,warranty_until",
    "contracts": "number,customer,starts_on,ends_on,covers_labour,covers_parts",
    "parts": "code,name,unit_price,warranty_eligible",
    "stock": "location,part,quantity",
}

GOOD = {
    "branches": "SH03,浦东服务站,31.2200,121.5400,Asia/Shanghai,12,08:30-12:00,13:00-17:30",
    "staff": "T08,张三,technician,SH01,13812345678,zh_CN,refrigeration;coffee",
    "customers": "C009,李记餐厅,021-63281001,上海市黄浦区云南南路118号,31.2297,121.4803,SH01,zh_CN",
    "equipment": "RF-0,C001,FR-1200,refrigeration,2025-11-20,2027-11-19",
    "contracts": "MC-0,C002,2026-01-01,2026-12-31,true,false",
    "parts": "P009,温控器 Thermostat,158.00,true",
    "stock": "van:T01,P001,3",
}


@pytest.fixture
def settings() -> Settings:
    return load_settings(read_env_file=False)


def write(tmp_path: Path, kind: str, *rows: str, header: str | None = None) -> Path:
    path = tmp_path / f"{kind}.csv"
    lines = [HEADERS[kind] if header is None else header, *rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def errors_of(kind: str, path: Path, settings: Settings, known: KnownKeys = KNOWN) -> list[str]:
    with pytest.raises(ImportFailed) as failure:
        parse_csv(kind, path, known, settings=settings)
    assert str(failure.value) == "\n".join(failure.value.errors)
    return failure.value.errors


# The working_hours cell of GOOD["branches"] contains a comma: quote it.
GOOD["branches"] = 'SH03,浦东服务站,31.2200,121.5400,Asia/Shanghai,12,"08:30-12:00,13:00-17:30"'


@pytest.mark.parametrize("kind", list(HEADERS))
def test_a_good_row_of_every_kind_parses(tmp_path: Path, settings: Settings, kind: str) -> None:
    records = parse_csv(kind, write(tmp_path, kind, GOOD[kind]), KNOWN, settings=settings)
    assert len(records) == 1


def test_records_carry_the_parsed_values(tmp_path: Path, settings: Settings) -> None:
    def one(kind: str) -> object:
        return parse_csv(kind, write(tmp_path, kind, GOOD[kind]), KNOWN, settings=settings)[0]

    assert one("branches") == Branch(
        "SH03", "浦东服务站", 31.22, 121.54, "Asia/Shanghai", 12.0, "08:30-12:00,13:00-17:30"
    )
    assert one("staff") == Staff(
        code="T08",
        name="张三",
        roles=frozenset({Role.TECHNICIAN}),
        phone="+8613812345678",
        language=Language.ZH_CN,
        branch="SH01",
        skills=frozenset({"refrigeration", "coffee"}),
    )
    assert one("contracts") == Contract(
        "MC-0", "C002", date(2026, 1, 1), date(2026, 12, 31), True, False
    )
    assert one("parts") == Part("P009", "温控器 Thermostat", 15800, True)
    assert one("stock") == StockLevel("van:T01", "P001", 3)


def test_columns_may_come_in_any_order_and_any_case(tmp_path: Path, settings: Settings) -> None:
    path = write(
        tmp_path, "parts", "是,12.5,P1,Gasket", header="Warranty_Eligible,UNIT_PRICE,code,name"
    )
    assert parse_csv("parts", path, KNOWN, settings=settings) == [Part("P1", "Gasket", 1250, True)]


def test_optional_columns_may_be_left_out_or_empty(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "branches", "SH09,Test,31.0,121.0,,,", "SH08,Test,31,121,,,")
    short = write(
        tmp_path,
        "equipment",
        "X1,C001,M,coffee,2026-01-01",
        header=HEADERS["equipment"].rsplit(",", 1)[0],
    )
    branches = parse_csv("branches", path, KNOWN, settings=settings)
    assert [b.timezone for b in branches] == [None, None]
    assert [b.working_hours for b in branches] == [None, None]
    assert parse_csv("equipment", short, KNOWN, settings=settings)[0].warranty_until is None


@pytest.mark.parametrize(
    ("kind", "row", "column", "message"),
    [
        ("staff", "T09,张三,technician,SH09,13812345678,zh_CN,", "branch", "unknown branch 'SH09'"),
        ("customers", "C9,李,13812345678,上海,31.2,121.4,SH9,", "branch", "unknown branch 'SH9'"),
        ("equipment", "RF-1,C404,M,coffee,2025-01-01,", "customer", "unknown customer 'C404'"),
        (
            "contracts",
            "MC-1,C404,2026-01-01,2026-12-31,true,false",
            "customer",
            "unknown customer 'C404'",
        ),
        ("stock", "central,P404,3", "part", "unknown part 'P404'"),
        ("branches", "SH9,X,north,121.4,,,", "latitude", "'north' is not a number"),
        ("branches", "SH9,X,91,121.4,,,", "latitude", "91 is out of range (-90 to 90)"),
        ("branches", "SH9,X,31.2,-180.5,,,", "longitude", "-180.5 is out of range (-180 to 180)"),
        (
            "customers",
            "C9,李,13812345678,上海,nan,121.4,SH01,",
            "latitude",
            "nan is out of range (-90 to 90)",
        ),
        ("customers", "C9,李,13812345678,上海,31.2,,SH01,", "longitude", "required, but empty"),
        (
            "equipment",
            "RF-1,C001,M,coffee,2025/01/01,",
            "purchased_on",
            "'2025/01/01' is not a date (expected YYYY-MM-DD)",
        ),
        (
            "equipment",
            "RF-1,C001,M,coffee,2025-02-30,",
            "purchased_on",
            "'2025-02-30' is not a date (expected YYYY-MM-DD)",
        ),
        (
            "equipment",
            "RF-1,C001,M,coffee,2025-02-01,2024-02-01",
            "warranty_until",
            "2024-02-01 is before purchased_on 2025-02-01",
        ),
        (
            "contracts",
            "MC-1,C001,2026-01-01,2026-13-01,true,false",
            "ends_on",
            "'2026-13-01' is not a date (expected YYYY-MM-DD)",
        ),
        (
            "contracts",
            "MC-1,C001,2026-06-01,2026-05-31,true,false",
            "ends_on",
            "2026-05-31 is before starts_on 2026-06-01",
        ),
        (
            "contracts",
            "MC-1,C001,2026-01-01,2026-12-31,maybe,false",
            "covers_labour",
            "'maybe' is not a boolean (true/false, yes/no, 1/0, 是/否)",
        ),
        ("parts", "P9,X,abc,true", "unit_price", "'abc' is not an amount of money (not_a_number)"),
        ("parts", "P9,X,-3,true", "unit_price", "'-3' is not an amount of money (negative)"),
        (
            "parts",
            "P9,X,1.234,true",
            "unit_price",
            "'1.234' is not an amount of money (too_many_decimals)",
        ),
        (
            "parts",
            "P9,X,200000,true",
            "unit_price",
            "'200000' is not an amount of money (too_large): above the maximum of ¥100,000.00",
        ),
        (
            "staff",
            "T09,张三,technician;plumber,SH01,13812345678,zh_CN,",
            "roles",
            "unknown role 'plumber'",
        ),
        (
            "staff",
            "T09,张三,,SH01,13812345678,zh_CN,",
            "roles",
            "required, but empty: at least one role",
        ),
        (
            "staff",
            "T09,张三,technician,SH01,13812345678,fr,",
            "language",
            "'fr' is not a language (zh_CN or en)",
        ),
        (
            "customers",
            "C9,李,13812345678,上海,31.2,121.4,SH01,de",
            "language",
            "'de' is not a language (zh_CN or en)",
        ),
        (
            "staff",
            "T09,张三,technician,SH01,12345,zh_CN,",
            "phone",
            "'12345' is not a phone number",
        ),
        (
            "staff",
            "T09,张三,technician;manager,,13812345678,zh_CN,",
            "branch",
            "required for technicians, but empty",
        ),
        (
            "staff",
            "S09,张三,supervisor,,13812345678,zh_CN,",
            "branch",
            "required for supervisors, but empty",
        ),
        ("stock", "central,P001,-1", "quantity", "'-1' is not a whole number of at least 0"),
        ("stock", "central,P001,2.5", "quantity", "'2.5' is not a whole number of at least 0"),
        (
            "stock",
            "warehouse,P001,2",
            "location",
            "unknown location 'warehouse' (central, a branch code, or van:STAFF_CODE)",
        ),
        ("stock", "van:S01,P001,2", "location", "'van:S01': S01 is not a technician"),
        ("stock", "van:T99,P001,2", "location", "'van:T99': unknown staff 'T99'"),
        (
            "branches",
            "SH9,X,31.2,121.4,Asia/Beijing,,",
            "timezone",
            "'Asia/Beijing' is not an IANA timezone (e.g. Asia/Shanghai)",
        ),
        (
            "branches",
            "SH9,X,31.2,121.4,,,9-5",
            "working_hours",
            "'9-5' are not working hours (like 09:00-12:00,13:00-18:00)",
        ),
        (
            "branches",
            'SH9,X,31.2,121.4,,,"13:00-18:00,09:00-12:00"',
            "working_hours",
            "'13:00-18:00,09:00-12:00' are not working hours",
        ),
        ("branches", "SH9,X,31.2,121.4,,-5,", "urban_radius_km", "-5 is not a positive number"),
        ("branches", "central,X,31.2,121.4,,,", "code", "'central' is reserved"),
        ("parts", "P 9,X,1,true", "code", "'P 9' is not a code"),
        ("parts", ",X,1,true", "code", "required, but empty"),
        ("customers", "C" * 33 + ",李,13812345678,上海,31.2,121.4,SH01,", "code", "'CCC"),
        ("parts", "P1," + "名" * 201 + ",1,true", "name", "longer than 200 characters"),
    ],
)
def test_a_bad_cell_is_reported_at_its_line_and_column(
    tmp_path: Path, settings: Settings, kind: str, row: str, column: str, message: str
) -> None:
    path = write(tmp_path, kind, GOOD[kind], row)
    (error,) = errors_of(kind, path, settings)
    assert error.startswith(f"{path}:3: {column}: {message}"), error


def test_min_quantity_is_optional_and_a_bad_one_is_reported_at_its_line(
    tmp_path: Path, settings: Settings
) -> None:
    header = "location,part,quantity,min_quantity"
    good = write(tmp_path, "stock", "central,P001,5,2", "SH01,P001,1,", header=header)
    assert parse_csv("stock", good, KNOWN, settings=settings) == [
        StockLevel("central", "P001", 5, 2),
        StockLevel("SH01", "P001", 1, None),  # empty: the stored minimum stays
    ]
    bad = write(
        tmp_path, "stock", "central,P001,5,2", "SH01,P001,1,-2", "SH02,P002,1,x", header=header
    )
    assert errors_of("stock", bad, settings) == [
        f"{bad}:3: min_quantity: '-2' is not a whole number of at least 0",
        f"{bad}:4: min_quantity: 'x' is not a whole number of at least 0",
    ]


def test_a_duplicate_key_names_the_first_line(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "parts", "P1,A,1,true", "P2,B,2,true", "P1,C,3,false")
    assert errors_of("parts", path, settings) == [
        f"{path}:4: code: duplicate key 'P1', first on line 2"
    ]


def test_a_duplicate_stock_location_and_part_is_a_whole_row_error(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(tmp_path, "stock", "central,P001,1", "SH01,P001,1", "central,P001,5")
    assert errors_of("stock", path, settings) == [
        f"{path}:4: -: duplicate key 'central + P001', first on line 2"
    ]


def test_every_problem_of_every_row_is_reported_in_line_order(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(
        tmp_path,
        "customers",
        "C1,甲,13812345678,上海,31.2,121.4,SH01,zh_CN",
        "C2,乙,not-a-phone,上海,95,121.4,SH07,en",
        "C3,丙,13812345678,,31.2,121.4,SH01,xx",
    )
    assert errors_of("customers", path, settings) == [
        f"{path}:3: phone: 'not-a-phone' is not a phone number: not a phone number",
        f"{path}:3: latitude: 95 is out of range (-90 to 90)",
        f"{path}:3: branch: unknown branch 'SH07'",
        f"{path}:4: address: required, but empty",
        f"{path}:4: language: 'xx' is not a language (zh_CN or en)",
    ]


def test_a_missing_column_is_reported_on_the_header(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "parts", "P1,Gasket,1", header="code,name,unit_price")
    assert errors_of("parts", path, settings) == [
        f"{path}:1: -: missing column 'warranty_eligible'"
    ]


def test_an_unknown_column_is_reported_on_the_header(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "parts", "P1,Gasket,1,true,red", header=HEADERS["parts"] + ",colour")
    assert errors_of("parts", path, settings) == [
        f"{path}:1: -: unknown column 'colour' "
        "(the columns are: code, name, unit_price, warranty_eligible)"
    ]


def test_a_repeated_column_is_reported_on_the_header(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "stock", "central,P001,1,2", header="location,part,quantity,quantity")
    assert errors_of("stock", path, settings) == [f"{path}:1: -: column 'quantity' appears twice"]


def test_a_row_with_too_few_fields_is_a_whole_row_error(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "stock", "central,P001,1", "central,P002")
    assert errors_of("stock", path, settings) == [
        f"{path}:3: -: the row has 2 fields, the header has 3",
        f"{path}:3: quantity: required, but empty",
    ]


def test_a_value_beyond_the_named_columns_is_an_error_but_trailing_commas_are_not(
    tmp_path: Path, settings: Settings
) -> None:
    ok = write(tmp_path, "stock", "central,P001,1,,", header="location,part,quantity,,")
    assert parse_csv("stock", ok, KNOWN, settings=settings) == [StockLevel("central", "P001", 1)]
    bad = write(tmp_path, "stock", "central,P001,1,oops")
    assert errors_of("stock", bad, settings) == [
        f"{bad}:2: -: field 4 has a value but its column has no name"
    ]


def test_blank_lines_are_skipped_and_lines_count_physical_lines(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        HEADERS["customers"] + "\n"
        '\nC1,甲,13812345678,"上海市\n黄浦区",31.2,121.4,SH01,zh_CN\n'
        "\n"
        "C2,乙,13812345678,上海,31.2,121.4,SH09,\n",
        encoding="utf-8",
    )
    assert errors_of("customers", path, settings) == [f"{path}:6: branch: unknown branch 'SH09'"]


def test_an_empty_file_is_reported(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "parts.csv"
    path.write_bytes(b"")
    assert errors_of("parts", path, settings) == [
        f"{path}:1: -: the file is empty: expected a header row"
    ]


def test_a_header_without_rows_imports_nothing(tmp_path: Path, settings: Settings) -> None:
    assert parse_csv("parts", write(tmp_path, "parts"), KNOWN, settings=settings) == []


def test_a_missing_file_is_reported(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "nowhere.csv"
    (error,) = errors_of("parts", path, settings)
    assert error.startswith(f"{path}:1: -: cannot read the file")


def test_an_unknown_kind_is_a_usage_error(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(ValueError, match="unknown kind 'trucks'"):
        parse_csv("trucks", write(tmp_path, "parts"), KNOWN, settings=settings)


def test_an_undecodable_file_is_reported_with_its_line(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "parts.csv"
    path.write_bytes(HEADERS["parts"].encode() + b"\nP1,Gasket,1,true\nP2,\xff\xfe\xff,2,true\n")
    assert errors_of("parts", path, settings) == [
        f"{path}:3: -: the file is neither UTF-8 nor GB18030/GBK text (byte 0xFF); "
        "save it as CSV UTF-8"
    ]


def test_a_gbk_file_as_excel_saves_it_is_read(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "customers.csv"
    text = (
        HEADERS["customers"]
        + "\r\nC9,李记餐厅,13812345678,上海市黄浦区云南南路118号,31.2,121.4,SH01,\r\n"
    )
    path.write_bytes(text.encode("gbk"))
    (customer,) = parse_csv("customers", path, KNOWN, settings=settings)
    assert customer.name == "李记餐厅"
    assert customer.address == "上海市黄浦区云南南路118号"


def test_a_gb18030_only_character_is_read(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "parts.csv"
    path.write_bytes((HEADERS["parts"] + "\nP1,𠮷 gasket,1,否\n").encode("gb18030"))
    assert parse_csv("parts", path, KNOWN, settings=settings) == [
        Part("P1", "𠮷 gasket", 100, False)
    ]


def test_a_utf8_file_with_a_bom_is_read(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "parts.csv"
    path.write_bytes(("\ufeff" + HEADERS["parts"] + "\nP1,密封圈,¥1,234.50,是\n").encode("utf-8"))
    assert errors_of("parts", path, settings)  # the unquoted comma splits the amount
    path.write_bytes(("\ufeff" + HEADERS["parts"] + '\nP1,密封圈,"¥1,234.50",是\n').encode("utf-8"))
    assert parse_csv("parts", path, KNOWN, settings=settings) == [
        Part("P1", "密封圈", 123450, True)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("YES", True),
        ("1", True),
        ("是", True),
        ("False", False),
        ("no", False),
        ("0", False),
        ("否", False),
    ],
)
def test_booleans_read_every_accepted_spelling(
    tmp_path: Path, settings: Settings, text: str, expected: bool
) -> None:
    path = write(tmp_path, "parts", f"P1,X,1,{text}")
    assert parse_csv("parts", path, KNOWN, settings=settings)[0].warranty_eligible is expected


def test_a_van_location_is_normalised(tmp_path: Path, settings: Settings) -> None:
    path = write(tmp_path, "stock", "VAN: T01,P001,2", "Central,P002,0")
    assert parse_csv("stock", path, KNOWN, settings=settings) == [
        StockLevel("van:T01", "P001", 2),
        StockLevel("central", "P002", 0),
    ]


def test_roles_and_skills_are_split_on_semicolons(tmp_path: Path, settings: Settings) -> None:
    path = write(
        tmp_path, "staff", "M9,经理,manager; supervisor；admin,SH01,13812345678,en,coffee; oven ;"
    )
    (person,) = parse_csv("staff", path, KNOWN, settings=settings)
    assert isinstance(person, Staff)
    assert person.roles == {Role.MANAGER, Role.SUPERVISOR, Role.ADMIN}
    assert person.skills == {"coffee", "oven"}
    assert person.language is Language.EN


def test_staff_other_than_technicians_and_supervisors_need_no_branch(
    tmp_path: Path, settings: Settings
) -> None:
    path = write(tmp_path, "staff", "K9,仓管,storekeeper,,+86 138-1234-5678,zh_CN,")
    (person,) = parse_csv("staff", path, KNOWN, settings=settings)
    assert isinstance(person, Staff)
    assert person.branch is None
    assert person.phone == "+8613812345678"
