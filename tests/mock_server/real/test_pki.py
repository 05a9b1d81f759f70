"""Signatures and chains as the real service checks them: a document changed after
signing, a signer certificate from another CA, an expired chain are all refused."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mock_server.real import work
from mock_server.real.pki import SIGNER_KEY_BITS, SignatureRejected, TrustChain, issue


@pytest.fixture(scope="module")
def chain() -> TrustChain:
    return TrustChain.generate(signers=2)


ORDER = {
    "id": 17,
    "unit_code": 1000003,
    "payer_account": "8113.1000003",
    "amount": 15_000_000,
    "budget_code": "6501",
    "payee_name": "Tổng công ty Điện lực Hà Nội",
    "payee_account": "0011002233445",
    "content": "Thanh toán tiền điện tháng 4",
    "created_at": 1_588_200_000.25,
}


def test_the_chain_has_three_certificates_of_realistic_key_sizes(chain):
    signer = chain.signer_for(1000003).certificate
    assert signer.issuer == chain.intermediate.subject
    assert chain.intermediate.issuer == chain.root.subject
    sizes = [c.public_key().key_size for c in (chain.root, chain.intermediate, signer)]
    assert sizes == [4096, 3072, 2048]


def test_a_signed_order_verifies_and_a_changed_one_does_not(chain):
    content = work.document(ORDER)
    signature = chain.sign(1000003, content)
    chain.verify_unit(1000003, content, signature)  # no exception: it verifies
    tampered = work.document({**ORDER, "amount": 150_000_000})
    with pytest.raises(SignatureRejected, match="does not match the document"):
        chain.verify_unit(1000003, tampered, signature)
    with pytest.raises(SignatureRejected):  # another unit's certificate
        chain.verify_unit(1000002, content, signature)


def test_a_signer_issued_by_another_ca_of_the_same_name_is_refused(chain):
    """A rogue intermediate with the real one's name: the signature over the document
    is right for the rogue signer's key, but its chain does not lead to our root."""
    now = dt.datetime.now(dt.UTC)
    rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=SIGNER_KEY_BITS)
    rogue_ca = issue(
        chain.intermediate.subject, rogue_key, chain.root.subject, rogue_key, now, ca=True
    )
    signer = issue(
        chain.signer_for(1000003).certificate.subject,
        signer_key,
        rogue_ca.subject,
        rogue_key,
        now,
        ca=False,
        email="ketoantruong@donvi.gov.vn",
    )
    content = work.document(ORDER)
    signature = signer_key.sign(content, padding.PKCS1v15(), hashes.SHA256())
    with pytest.raises(SignatureRejected, match="chain does not verify"):
        chain.verify(content, signature, signer, [rogue_ca])
    with pytest.raises(SignatureRejected, match="chain does not verify"):
        chain.verify(content, signature, signer)  # nor through our own intermediate


def test_a_chain_past_its_validity_is_refused(chain):
    content = work.document(ORDER)
    signature = chain.sign(1000003, content)
    later = chain.signer_for(1000003).certificate.not_valid_after_utc + dt.timedelta(days=1)
    with pytest.raises(SignatureRejected, match="chain does not verify"):
        chain.verify(content, signature, chain.signer_for(1000003).certificate, now=later)


def test_a_saved_chain_loads_and_verifies_what_the_original_signed(chain, tmp_path):
    chain.save(tmp_path)
    loaded = TrustChain.load(tmp_path)
    content = work.document(ORDER)
    loaded.verify_unit(1000003, content, chain.sign(1000003, content))
    assert [s.certificate for s in loaded.signers] == [s.certificate for s in chain.signers]
    assert loaded.root == chain.root and loaded.intermediate == chain.intermediate
