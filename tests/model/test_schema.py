"""The YAML schema: the default matches the spec, and mistakes name file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from gendan.model.errors import SchemaError
from gendan.model.schema import default_schema_path, load_schema

SPEC_KEYS = """contract_no contract_date customer sales_manager product spec kg_per_carton cartons net_weight_kg
gross_weight_kg container_type containers container_nos temperature_c ventilation currency unit_price amount incoterm
port_of_loading port_of_discharge payment_terms lc_no latest_shipment lc_expiry instruction_no etd vessel_voyage bl_no
bl_date phyto_cert_no co_no invoice_no dispatch_method tracking_no docs_sent_date collecting_bank due_date
received_amount received_date status remarks""".split()


def test_default_schema_has_the_spec_columns_in_order() -> None:
    s = load_schema()
    keys = [c.key for c in s.master.columns]
    assert keys[: len(SPEC_KEYS)] == SPEC_KEYS
    assert s.master.column("cartons").zh == "箱数" and s.master.column("cartons").en == "Cartons"
    assert s.master.names == ("工作序列表", "Orders", "Master")
    assert s.master.column("incoterm").enum_values() == (
        "EXW",
        "FCA",
        "FAS",
        "FOB",
        "CFR",
        "CIF",
        "CPT",
        "CIP",
        "DAP",
        "DPU",
        "DDP",
    )
    assert [e.en for e in s.master.column("status").enum] == [
        "Contracted",
        "In production",
        "Booked",
        "Shipped",
        "Docs sent",
        "Paid",
        "Closed",
    ]
    assert (
        s.settings.grace_days == 7
        and s.settings.collection_transit_days == 14
        and s.settings.lc_transit_days == 7
    )


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = default_schema_path().read_text(encoding="utf-8")
    assert old in text
    p = tmp_path / "my.yaml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


def test_unknown_rule_names_file_line_and_key(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "required: true, unique: true,", "required: true, unique: true, mandatory: yes,"
    )
    with pytest.raises(SchemaError) as e:
        load_schema(p)
    msg = e.value.message_en
    assert str(p) in msg and "mandatory" in msg and "sheets.master.columns.0.mandatory" in msg
    line = (
        default_schema_path()
        .read_text(encoding="utf-8")
        .splitlines()
        .index(
            next(
                ln
                for ln in default_schema_path().read_text(encoding="utf-8").splitlines()
                if "key: contract_no" in ln
            )
        )
        + 1
    )
    assert f":{line}" in msg
    assert "未知" in e.value.message_zh


def test_malformed_yaml_gives_the_line(tmp_path: Path) -> None:
    p = _write(tmp_path, "grace_days: 7 ", "grace_days: [7 ")
    with pytest.raises(SchemaError) as e:
        load_schema(p)
    assert "not valid YAML" in e.value.message_en and str(p) in e.value.message_en


def test_yaml_tags_are_not_constructed(tmp_path: Path) -> None:
    p = tmp_path / "evil.yaml"
    p.write_text("!!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    with pytest.raises(SchemaError):
        load_schema(p)


def test_renamed_header_and_alias_are_read(tmp_path: Path) -> None:
    from factory import clean_order, make_data

    from gendan.rules.engine import check_data

    p = _write(tmp_path, "{key: cartons, zh: 箱数,", "{key: cartons, zh: 件数合计,")
    schema = load_schema(p)
    assert schema.master.column("cartons").zh == "件数合计"
    import datetime as dt

    report = check_data(
        make_data([clean_order(1, cartons="x")], schema=schema), schema, as_of=dt.date(2026, 3, 30)
    )
    assert report.flatten(["code", "key"]) == [["type", "cartons"]]
