"""Tests of the runtime's MAC, ciphers and Secret (templates/runtime/{crypto,secrets,errors}.py).

Known-answer vectors come from the Computop docs as collected in the reference notes (section 4).
"""

import copy
import hmac
import json
import pickle
import string
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from paygate.crypto import (
    AesCipher,
    BlowfishCipher,
    Cipher,
    compute_mac,
    mac_input,
    make_cipher,
    verify_mac,
)
from paygate.errors import DecryptionError, PaygateError
from paygate.secrets import Secret

# A key that is easy to spot in any output, in the sizes both ciphers accept.
KEY_TEXT = "Kx9-LeakCanary-Q7"  # 17 bytes: valid for Blowfish
AES_KEY_TEXT = "LeakCanary-AES-key-0123456789ABC"  # 32 bytes
MY_SECRET = Secret("mySecret")

REQUEST_MAC_MESSAGE = "*TID-4453732122167114558*yourMerchantId*1234*EUR"
REQUEST_MAC = "38ced807e293fc634a6c36ffaea7bd2687038d40615781918aef2de7bb9a9903"
RESULT_MAC_MESSAGE = (
    "7bbb448155234d8cbee323778952ce28*TID-12033175321270170232*yourMerchantId*AUTHORIZED*00000000"
)
RESULT_MAC = "4CDCB4DE587AC210F21DE0591689B920CF56D89B38D4C7B1B7F8867BFC93E02C"
VALUE_MAC = "18B40402BBF3FEED824E9F762B412F1108C4D678B2A067425B99963CD68B1D6A"
BLOWFISH_DATA = "14ec7a6da0fbb3e50a84b47302443328"

REQUEST_FIELDS: list[str | None] = [
    None,
    "TID-4453732122167114558",
    "yourMerchantId",
    "1234",
    "EUR",
]
RESULT_FIELDS: list[str | None] = [
    "7bbb448155234d8cbee323778952ce28",
    "TID-12033175321270170232",
    "yourMerchantId",
    "AUTHORIZED",
    "00000000",
]

# Source strings for round trips: ASCII (1 byte/char), umlauts (2), CJK (3) and a mix.
SCRIPTS = {
    "ascii": "Amount=1234&Currency=EUR&TransID=TID-42 ",
    "umlauts": "äöüÄÖÜßéàç",
    "cjk": "支付宝中文測試日本語한국어",
    "mixed": "Grüße 支付 & ok=1",
}


def sample(script: str, n: int) -> str:
    source = SCRIPTS[script]
    return (source * (n // len(source) + 1))[:n]


def blowfish(encoding: str = "utf-8") -> BlowfishCipher:
    return BlowfishCipher(Secret(KEY_TEXT), encoding)


def aes() -> AesCipher:
    return AesCipher(Secret(AES_KEY_TEXT))


def all_ciphers() -> list[Cipher]:
    return [blowfish(), aes()]


# --------------------------------------------------------------------------- known answers


def test_request_mac_input_starts_with_separator_for_new_payment() -> None:
    assert mac_input(REQUEST_FIELDS) == REQUEST_MAC_MESSAGE


def test_request_mac_known_answer() -> None:
    mac = compute_mac(MY_SECRET, REQUEST_FIELDS)
    assert mac == REQUEST_MAC.upper()
    assert verify_mac(MY_SECRET, REQUEST_FIELDS, REQUEST_MAC)


def test_result_mac_known_answer() -> None:
    assert mac_input(RESULT_FIELDS) == RESULT_MAC_MESSAGE
    assert compute_mac(MY_SECRET, RESULT_FIELDS) == RESULT_MAC
    assert verify_mac(MY_SECRET, RESULT_FIELDS, RESULT_MAC)


def test_hmac_value_password_known_answer() -> None:
    assert compute_mac(Secret("password"), ["value"]) == VALUE_MAC
    assert compute_mac(Secret(b"password"), ["value"]) == VALUE_MAC


def test_blowfish_known_answer() -> None:
    cipher = BlowfishCipher(Secret("password"))
    data, length = cipher.encrypt("plaintext")
    assert length == 9
    assert data.lower() == BLOWFISH_DATA.lower()
    assert data == data.upper()
    assert cipher.decrypt(BLOWFISH_DATA, 9) == "plaintext"
    assert cipher.decrypt(BLOWFISH_DATA.upper(), 9) == "plaintext"
    # Cutting to Len is how Computop's zero padding is removed.
    assert cipher.decrypt(BLOWFISH_DATA, 5) == "plain"
    assert cipher.decrypt(BLOWFISH_DATA, 16) == "plaintext" + "\0" * 7


# --------------------------------------------------------------------------- MAC


def test_mac_input_none_and_empty() -> None:
    assert mac_input([None, None, None]) == "**"
    assert mac_input(["a", None, "", "b"]) == "a***b"
    assert mac_input([]) == ""
    assert mac_input(("x",)) == "x"


def test_compute_mac_is_upper_case_hex_of_64_chars() -> None:
    mac = compute_mac(MY_SECRET, ["Grüße", None, "支付"])
    assert len(mac) == 64
    assert set(mac) <= set("0123456789ABCDEF")


def test_compute_mac_requires_a_secret() -> None:
    with pytest.raises(TypeError):
        compute_mac("mySecret", REQUEST_FIELDS)  # type: ignore[arg-type]


@pytest.mark.parametrize("received", [RESULT_MAC, RESULT_MAC.lower(), RESULT_MAC.swapcase()])
def test_verify_mac_accepts_any_case(received: str) -> None:
    assert verify_mac(MY_SECRET, RESULT_FIELDS, received)


@pytest.mark.parametrize("position", range(64))
def test_verify_mac_rejects_a_one_character_change(position: int) -> None:
    original = RESULT_MAC[position]
    replacement = "0" if original != "0" else "1"
    tampered = RESULT_MAC[:position] + replacement + RESULT_MAC[position + 1 :]
    assert not verify_mac(MY_SECRET, RESULT_FIELDS, tampered)
    assert not verify_mac(MY_SECRET, RESULT_FIELDS, tampered.lower())


@pytest.mark.parametrize(
    "received",
    ["", RESULT_MAC[:-1], RESULT_MAC + "0", " " + RESULT_MAC, RESULT_MAC[:-1] + "é", "ß" * 64],
)
def test_verify_mac_rejects_malformed_values(received: str) -> None:
    assert not verify_mac(MY_SECRET, RESULT_FIELDS, received)


def test_verify_mac_rejects_other_key_and_other_fields() -> None:
    assert not verify_mac(Secret("notMySecret"), RESULT_FIELDS, RESULT_MAC)
    assert not verify_mac(MY_SECRET, [*RESULT_FIELDS[:3], "FAILED", "00000000"], RESULT_MAC)


def test_verify_mac_non_string_does_not_match() -> None:
    assert not verify_mac(MY_SECRET, RESULT_FIELDS, None)  # type: ignore[arg-type]


def test_verify_mac_uses_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert verify_mac(MY_SECRET, RESULT_FIELDS, RESULT_MAC.lower())
    assert not verify_mac(MY_SECRET, RESULT_FIELDS, "00")
    assert len(calls) == 2


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("kind", ["blowfish", "aes"])
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_round_trip_lengths_0_to_40(kind: str, script: str) -> None:
    key = Secret(KEY_TEXT if kind == "blowfish" else AES_KEY_TEXT)
    cipher = make_cipher(kind, key)
    for n in range(41):
        text = sample(script, n)
        data, length = cipher.encrypt(text)
        assert length == len(text.encode("utf-8"))
        assert data == data.upper()
        assert cipher.decrypt(data, length) == text
        assert cipher.decrypt(data.lower(), length) == text


@pytest.mark.parametrize("n", range(41))
def test_blowfish_data_is_zero_padded_to_blocks(n: int) -> None:
    data, length = blowfish().encrypt("x" * n)
    assert length == n
    assert len(data) == 2 * 8 * -(-n // 8)


@pytest.mark.parametrize("n", range(41))
def test_aes_data_shape(n: int) -> None:
    data, length = aes().encrypt("y" * n)
    iv, body = data.split("-")
    assert length == n
    assert len(iv) == 32
    assert len(body) == 2 * 16 * (n // 16 + 1)  # PKCS#7 always adds padding
    assert set(iv + body) <= set("0123456789ABCDEF")


def test_aes_uses_a_fresh_iv_per_message() -> None:
    cipher = aes()
    first, _ = cipher.encrypt("same text")
    second, _ = cipher.encrypt("same text")
    assert first != second
    assert first.split("-")[0] != second.split("-")[0]


@pytest.mark.parametrize("size", [16, 24, 32])
def test_aes_key_sizes(size: int) -> None:
    cipher = AesCipher(Secret(b"k" * size))
    data, length = cipher.encrypt("Grüße")
    assert cipher.decrypt(data, length) == "Grüße"


@pytest.mark.parametrize("size", [4, 8, 16, 56])
def test_blowfish_key_sizes(size: int) -> None:
    cipher = BlowfishCipher(Secret(b"k" * size))
    data, length = cipher.encrypt("Grüße")
    assert cipher.decrypt(data, length) == "Grüße"


def test_blowfish_latin1_encoding_counts_bytes_in_that_encoding() -> None:
    cipher = blowfish("iso-8859-1")
    data, length = cipher.encrypt("Grüße")
    assert length == 5
    assert cipher.decrypt(data, length) == "Grüße"


def test_decrypt_falls_back_to_latin1_for_paygate_notify() -> None:
    data, length = blowfish("iso-8859-1").encrypt("Grüße")
    assert blowfish("utf-8").decrypt(data, length) == "Grüße"


def test_decrypt_without_fallback_raises_on_undecodable_bytes() -> None:
    data, length = blowfish("iso-8859-1").encrypt("Grüße")
    strict = BlowfishCipher(Secret(KEY_TEXT), fallback_encoding=None)
    with pytest.raises(DecryptionError) as info:
        strict.decrypt(data, length)
    # The UnicodeDecodeError (which holds the plaintext bytes) is not attached.
    assert info.value.__cause__ is None
    assert info.value.__context__ is None
    assert "Grüße" not in str(info.value)


def test_decrypt_cuts_in_the_middle_of_a_character_falls_back() -> None:
    cipher = blowfish()
    data, _ = cipher.encrypt("ä")  # two UTF-8 bytes
    assert cipher.decrypt(data, 1) == "Ã"  # first byte only, as ISO-8859-1


def test_encrypt_with_an_encoding_that_cannot_hold_the_text() -> None:
    with pytest.raises(UnicodeEncodeError):
        blowfish("ascii").encrypt("Grüße")


printable_text = st.text(st.characters(codec="utf-8"), max_size=200)


@settings(max_examples=200, deadline=None)
@given(text=printable_text, kind=st.sampled_from(["blowfish", "aes"]))
def test_round_trip_property(text: str, kind: str) -> None:
    key = Secret(KEY_TEXT if kind == "blowfish" else AES_KEY_TEXT)
    cipher = make_cipher(kind, key)
    data, length = cipher.encrypt(text)
    assert length == len(text.encode("utf-8"))
    assert cipher.decrypt(data, length) == text


# --------------------------------------------------------------------------- malformed input

VALID_BLOWFISH = BLOWFISH_DATA.upper()


@pytest.mark.parametrize(
    ("data", "length"),
    [
        ("XYZ", 0),  # not hex
        ("14EC7A6DA0FBB3E" + "G", 9),  # not hex at the end
        ("14EC7A6DA0FBB3E50", 9),  # odd number of digits
        ("14EC7A6D", 4),  # 4 bytes: not a block
        ("14EC7A6DA0FBB3E50A84", 9),  # 10 bytes
        (" " + VALID_BLOWFISH, 9),  # bytes.fromhex would accept the space
        (VALID_BLOWFISH + "\n", 9),
        ("14ec 7a6d a0fb b3e5", 8),
        ("١٤", 0),  # non-ASCII digits
        (VALID_BLOWFISH, -1),
        (VALID_BLOWFISH, 17),
        ("", 1),
        (VALID_BLOWFISH, True),
        (VALID_BLOWFISH, "9"),
        (VALID_BLOWFISH, 9.0),
        (None, 9),
        (b"14ec7a6da0fbb3e50a84b47302443328", 9),
    ],
)
def test_blowfish_decrypt_rejects_malformed_input(data: object, length: object) -> None:
    cipher = BlowfishCipher(Secret("password"))
    with pytest.raises(DecryptionError):
        cipher.decrypt(data, length)  # type: ignore[arg-type]


def test_blowfish_decrypt_empty_data_with_len_zero() -> None:
    assert blowfish().decrypt("", 0) == ""


def _aes_malformed() -> list[tuple[str, str, object]]:
    data, length = aes().encrypt("Amount=1234&Currency=EUR")
    iv, body = data.split("-")
    return [
        ("no separator", iv + body, length),
        ("empty", "", 0),
        ("only separator", "-", 0),
        ("two separators", f"{iv}-{body}-00", length),
        ("bad IV hex", "Z" + iv[1:] + "-" + body, length),
        ("short IV", iv[:-2] + "-" + body, length),
        ("long IV", iv + "00-" + body, length),
        ("odd IV", iv[:-1] + "-" + body, length),
        ("empty ciphertext", iv + "-", 0),
        ("odd ciphertext", f"{iv}-{body[:-1]}", length),
        ("partial block", f"{iv}-{body[:-2]}", length),
        ("bad ciphertext hex", f"{iv}-{body[:-1]}X", length),
        ("whitespace", f"{iv}- {body[1:]}", length),
        ("negative Len", data, -1),
        ("Len too large", data, length + 1),
        ("Len not int", data, str(length)),
        ("Len bool", data, False),
    ]


@pytest.mark.parametrize(("label", "data", "length"), _aes_malformed())
def test_aes_decrypt_rejects_malformed_input(label: str, data: str, length: object) -> None:
    with pytest.raises(DecryptionError):
        aes().decrypt(data, length)  # type: ignore[arg-type]


def _raw_aes(key: bytes, iv: bytes, padded: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers import Cipher as RawCipher
    from cryptography.hazmat.primitives.ciphers import algorithms, modes

    encryptor = RawCipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return f"{iv.hex()}-{(encryptor.update(padded) + encryptor.finalize()).hex()}"


def test_aes_matches_independent_encryption_with_fixed_iv() -> None:
    plaintext = b"Amount=1234&Currency=EUR"  # 24 bytes -> 8 bytes of PKCS#7 padding
    data = _raw_aes(AES_KEY_TEXT.encode(), bytes(range(16)), plaintext + b"\x08" * 8)
    assert aes().decrypt(data, 24) == plaintext.decode()
    assert aes().decrypt(data.upper(), 24) == plaintext.decode()


def test_aes_decrypt_rejects_wrong_key() -> None:
    plaintext = b"Amount=1234&Currency=EUR"
    data = _raw_aes(AES_KEY_TEXT.encode(), bytes(range(16)), plaintext + b"\x08" * 8)
    # Fixed inputs, so this is deterministic: under the wrong key the padding is invalid.
    with pytest.raises(DecryptionError, match="padding"):
        AesCipher(Secret(b"0" * 32)).decrypt(data, 24)


@pytest.mark.parametrize(
    "padded",
    [
        b"A" * 15 + b"\x00",  # pad byte 0
        b"A" * 15 + b"\x11",  # pad byte > block size
        b"A" * 14 + b"\x01\x02",  # inconsistent pad bytes
        b"A" * 13 + b"\x03\x02\x03",
    ],
)
def test_aes_bad_padding_is_rejected(padded: bytes) -> None:
    data = _raw_aes(AES_KEY_TEXT.encode(), bytes(16), padded)
    with pytest.raises(DecryptionError, match="padding"):
        aes().decrypt(data, 1)


hex_text = st.text(alphabet="0123456789abcdefABCDEF", max_size=96)
lengths = st.one_of(
    st.integers(min_value=-3, max_value=70),
    st.integers(min_value=-(2**70), max_value=2**70),
)


@st.composite
def blocks_hex(draw: st.DrawFn, block: int) -> str:
    count = draw(st.integers(min_value=0, max_value=4))
    raw = draw(st.binary(min_size=count * block, max_size=count * block))
    text = raw.hex()
    return text.upper() if draw(st.booleans()) else text


@st.composite
def aes_shaped(draw: st.DrawFn) -> str:
    iv = draw(st.one_of(blocks_hex(16).filter(lambda s: len(s) == 32), hex_text))
    return f"{iv}-{draw(st.one_of(blocks_hex(16), hex_text, st.text(max_size=40)))}"


arbitrary_data = st.one_of(
    st.text(max_size=80),
    hex_text,
    blocks_hex(8),
    aes_shaped(),
    st.builds(lambda a, b: f"{a}-{b}", hex_text, hex_text),
)


@settings(max_examples=500, deadline=None)
@given(data=arbitrary_data, length=lengths, kind=st.sampled_from(["blowfish", "aes"]))
def test_decrypt_raises_only_decryption_error(data: str, length: int, kind: str) -> None:
    key = Secret(KEY_TEXT if kind == "blowfish" else AES_KEY_TEXT)
    cipher = make_cipher(kind, key)
    try:
        result = cipher.decrypt(data, length)
    except DecryptionError:
        return
    assert isinstance(result, str)
    # Exactly Len bytes were decoded: as UTF-8 or, via the fallback, as ISO-8859-1.
    assert length >= 0
    assert len(result.encode("utf-8")) == length or len(result) == length


def test_decryption_error_is_a_paygate_error() -> None:
    assert issubclass(DecryptionError, PaygateError)
    assert issubclass(PaygateError, Exception)


# --------------------------------------------------------------------------- keys and repr


@pytest.mark.parametrize("size", [0, 3, 57, 64])
def test_blowfish_bad_key_size_does_not_leak_key(size: int) -> None:
    key = ("Q" * 64)[:size]
    with pytest.raises(ValueError) as info:
        BlowfishCipher(Secret(key))
    if key:
        assert key not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__context__ is None


@pytest.mark.parametrize("key", [KEY_TEXT, "LeakCanary", AES_KEY_TEXT + "Z", ""])
def test_aes_bad_key_size_does_not_leak_key(key: str) -> None:
    with pytest.raises(ValueError) as info:
        AesCipher(Secret(key))
    if key:
        assert key not in str(info.value)
        assert key not in repr(info.value)


def test_cipher_needs_a_secret_key() -> None:
    with pytest.raises(TypeError):
        BlowfishCipher(KEY_TEXT)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        AesCipher(AES_KEY_TEXT.encode())  # type: ignore[arg-type]


def test_unknown_encoding_is_rejected() -> None:
    with pytest.raises(ValueError, match="encoding"):
        BlowfishCipher(Secret(KEY_TEXT), "no-such-codec")
    with pytest.raises(ValueError, match="encoding"):
        AesCipher(Secret(AES_KEY_TEXT), fallback_encoding="no-such-codec")


def test_make_cipher_kinds() -> None:
    bf = make_cipher("blowfish", Secret(KEY_TEXT))
    aes_cipher = make_cipher("aes", Secret(AES_KEY_TEXT), "iso-8859-1")
    assert isinstance(bf, BlowfishCipher)
    assert isinstance(aes_cipher, AesCipher)
    assert bf.kind == "blowfish"
    assert aes_cipher.kind == "aes"
    assert isinstance(bf, Cipher)
    assert isinstance(aes_cipher, Cipher)
    assert aes_cipher.encoding == "iso-8859-1"


@pytest.mark.parametrize("kind", ["des", "AES", "", "Blowfish "])
def test_make_cipher_rejects_unknown_kind(kind: str) -> None:
    with pytest.raises(ValueError) as info:
        make_cipher(kind, Secret(AES_KEY_TEXT))
    message = str(info.value)
    assert "'aes'" in message
    assert "'blowfish'" in message
    assert AES_KEY_TEXT not in message


def _renderings(obj: object) -> list[str]:
    return [
        repr(obj),
        str(obj),
        f"{obj}",
        f"{obj!r}",
        f"{obj!s}",
        f"{obj:>60}",
        format(obj),
        "%s" % (obj,),  # noqa: UP031
        "%r" % (obj,),  # noqa: UP031
        "{}".format(obj),  # noqa: UP032
        "{!r:}".format(obj),  # noqa: UP032
        str([obj]),
        repr({"key": obj}),
        ascii(obj),
    ]


def _key_forms(key: str) -> list[str]:
    raw = key.encode()
    return [key, raw.hex(), raw.hex().upper(), repr(raw), key[:8]]


@pytest.mark.parametrize("key", [KEY_TEXT, AES_KEY_TEXT])
def test_secret_never_shows_its_value(key: str) -> None:
    for value in (key, key.encode()):
        secret = Secret(value)
        for text in _renderings(secret):
            for form in _key_forms(key):
                assert form not in text
        assert repr(secret) == str(secret) == f"{secret}" == "Secret('***')"


@pytest.mark.parametrize("cipher", all_ciphers(), ids=lambda c: c.kind)
def test_cipher_repr_shows_kind_only(cipher: Cipher) -> None:
    key = KEY_TEXT if cipher.kind == "blowfish" else AES_KEY_TEXT
    for text in _renderings(cipher):
        for form in _key_forms(key):
            assert form not in text
    assert repr(cipher) == f"{type(cipher).__name__}(kind={cipher.kind!r})"


@pytest.mark.parametrize("cipher", all_ciphers(), ids=lambda c: c.kind)
def test_cipher_keeps_no_plain_key_attribute(cipher: Cipher) -> None:
    assert not hasattr(cipher, "__dict__")
    for name in dir(cipher):
        value = getattr(cipher, name, None)
        assert not isinstance(value, str | bytes) or KEY_TEXT not in str(value)
    with pytest.raises(TypeError):
        pickle.dumps(cipher)


def test_secret_reveal_and_bool() -> None:
    assert Secret("mySecret").reveal() == b"mySecret"
    assert Secret("Grüße").reveal() == "Grüße".encode()
    assert Secret(bytearray(b"ab")).reveal() == b"ab"
    assert Secret(Secret("x")).reveal() == b"x"
    assert Secret("x")
    assert Secret(b"\x00")
    assert not Secret("")
    assert not Secret(b"")


def test_secret_equality() -> None:
    assert Secret("abc") == Secret(b"abc")
    assert Secret("abc") != Secret("abd")
    assert Secret("abc") != Secret("abcd")
    assert Secret("abc") != "abc"
    assert Secret("abc") != b"abc"


def test_secret_equality_is_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert Secret("abc") == Secret("abc")
    assert Secret("abc") != Secret("xyz")
    assert len(calls) == 2


def test_secret_is_not_hashable_picklable_or_serialisable() -> None:
    secret = Secret(KEY_TEXT)
    with pytest.raises(TypeError):
        hash(secret)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(TypeError):
            pickle.dumps(secret, protocol=protocol)
    with pytest.raises(TypeError) as info:
        json.dumps({"key": secret})
    assert KEY_TEXT not in str(info.value)


def test_secret_is_immutable_and_copies_are_itself() -> None:
    secret = Secret(KEY_TEXT)
    with pytest.raises(AttributeError):
        secret._value = b"other"
    with pytest.raises(AttributeError):
        del secret._value
    with pytest.raises(AttributeError):
        secret.extra = 1
    assert copy.copy(secret) is secret
    assert copy.deepcopy(secret) is secret
    assert not hasattr(secret, "__dict__")


def test_secret_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        Secret(1234)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Secret(None)  # type: ignore[arg-type]


def test_mac_hex_alphabet() -> None:
    assert set(compute_mac(MY_SECRET, ["x"])) <= set(string.hexdigits.upper())


def test_blowfish_reused_contexts_stay_in_step() -> None:
    # One encryption/decryption context serves every call; output must not drift.
    cipher = BlowfishCipher(Secret("password"))
    for n in range(50):
        assert cipher.encrypt("plaintext") == (BLOWFISH_DATA.upper(), 9)
        assert cipher.decrypt(BLOWFISH_DATA, 9) == "plaintext"
        # A rejected input in between must not disturb the contexts either.
        with pytest.raises(DecryptionError):
            cipher.decrypt(BLOWFISH_DATA[: 2 + 2 * (n % 7)], 1)


@pytest.mark.parametrize("kind", ["blowfish", "aes"])
def test_ciphers_are_thread_safe(kind: str) -> None:
    key = Secret(KEY_TEXT if kind == "blowfish" else AES_KEY_TEXT)
    cipher = make_cipher(kind, key)
    texts = [sample(script, n) for script in sorted(SCRIPTS) for n in range(0, 41, 5)]

    def work(offset: int) -> bool:
        ok = True
        for i in range(200):
            text = texts[(offset + i) % len(texts)]
            data, length = cipher.encrypt(text)
            ok = ok and cipher.decrypt(data, length) == text
        return ok

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(work, range(16)))
