"""Personal data at rest: AEAD with a separate blind-index key, nothing readable on disk."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldbot.crypto import (
    Cipher,
    CryptoError,
    aad_for,
    decode_master_key,
    new_master_key,
)
from fieldbot.dbadmin import upgrade
from fieldbot.store import Store
from fieldbot.tables import customers

from .conftest import COMPANY, NOW, seed_company

PHONE_DIGITS = ("13812345678", "13901710002", "2157880004", "13900000011")
PLAIN_TEXTS = ("李记餐厅", "云南南路118号", "Blue Harbour Bistro", "朱家角古镇客栈")


def test_ciphertext_decrypts_only_where_it_was_written(cipher: Cipher) -> None:
    aad = aad_for("customers", "phone", "C001")
    sealed = cipher.encrypt_text("+8613812345678", aad)
    assert cipher.decrypt_text(sealed, aad) == "+8613812345678"
    assert sealed != cipher.encrypt_text("+8613812345678", aad)  # random nonce
    for elsewhere in (
        aad_for("customers", "phone", "C002"),  # another row
        aad_for("customers", "name", "C001"),  # another column
        aad_for("staff", "phone", "C001"),  # another table
    ):
        with pytest.raises(CryptoError):
            cipher.decrypt(sealed, elsewhere)


def test_a_tampered_ciphertext_or_another_key_does_not_decrypt(cipher: Cipher) -> None:
    aad = aad_for("customers", "name", "C001")
    sealed = bytearray(cipher.encrypt(b"secret", aad))
    sealed[-1] ^= 1
    with pytest.raises(CryptoError):
        cipher.decrypt(bytes(sealed), aad)
    other = Cipher.from_master_key(bytes(32))
    with pytest.raises(CryptoError):
        other.decrypt(cipher.encrypt(b"secret", aad), aad)


def test_the_blind_index_is_stable_keyed_and_not_the_number(cipher: Cipher) -> None:
    index = cipher.blind_index("+8613812345678")
    assert index == cipher.blind_index("+8613812345678")
    assert index != cipher.blind_index("+8613812345679")
    assert index != Cipher.from_master_key(bytes(32)).blind_index("+8613812345678")
    assert len(index) == 64 and "13812345678" not in index


def test_master_keys_are_32_bytes_of_url_safe_base64() -> None:
    key = new_master_key()
    assert len(decode_master_key(key)) == 32
    assert Cipher.from_setting(key).blind_index("+1") == Cipher.from_setting(key).blind_index("+1")
    with pytest.raises(CryptoError):
        decode_master_key("c2hvcnQ=")  # "short"
    with pytest.raises(CryptoError):
        Cipher.from_master_key(b"0" * 31)


async def test_customer_columns_hold_ciphertext_only(store: Store) -> None:
    await seed_company(store)
    async with store.unit_of_work(readonly=True) as uow:
        row = (
            (await uow.connection.execute(select(customers).where(customers.c.code == "C001")))
            .mappings()
            .one()
        )
    for column in ("name_enc", "phone_enc", "address_enc"):
        assert isinstance(row[column], bytes)
    assert b"13812345678" not in row["phone_enc"]
    assert "李记餐厅".encode() not in row["name_enc"]


def _database_files(path: Path) -> dict[str, bytes]:
    found = {}
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            found[candidate.name] = candidate.read_bytes()
    return found


def _leaks(files: dict[str, bytes]) -> list[str]:
    needles = [d.encode() for d in PHONE_DIGITS] + [p.encode() for p in PLAIN_TEXTS]
    return [
        f"{name}: {needle.decode()}"
        for name, data in files.items()
        for needle in needles
        if needle in data
    ]


async def test_phone_digits_appear_in_no_sqlite_file_wal_included(
    tmp_path: Path, cipher: Cipher
) -> None:
    path = tmp_path / "private.db"
    await upgrade(f"sqlite+aiosqlite:///{path}")
    store = Store.open(f"sqlite+aiosqlite:///{path}", cipher)
    try:
        await seed_company(store)
        async with store.unit_of_work() as uow:
            # A changed number: the old one must not linger in freed pages either.
            await uow.customers.upsert(replace(COMPANY.customers[0], phone="+8613700000000"))
            await uow.events.append("system", "customer.updated", "customer", 1, {}, NOW)
            await uow.commit()
        live = _database_files(path)
        assert any(name.endswith("-wal") for name in live)  # written, not yet checkpointed
        assert _leaks(live) == []
        async with store.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        assert _leaks(_database_files(path)) == []
    finally:
        await store.close()
    assert _leaks(_database_files(path)) == []
    async with Store.open(f"sqlite+aiosqlite:///{path}", cipher).unit_of_work() as uow:
        found = await uow.customers.find_by_phone("+8613700000000")
        assert found is not None and found.code == "C001"
        assert await uow.customers.find_by_phone("+8613812345678") is None
