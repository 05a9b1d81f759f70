"""Digital signatures as a Treasury checks them: an RSA signature over the document
and the signer's certificate chain up to a trusted root.

The chain has the length budget units' certificates have in practice: a root CA
(RSA 4096), an intermediate CA that issues signing certificates (RSA 3072), and
the signer's own certificate (RSA 2048, PKCS #1 v1.5 with SHA-256, the scheme of
USB-token and remote signing in Vietnam). :meth:`TrustChain.generate` makes them
once at start; the server process writes them (:meth:`TrustChain.save`) and every
worker reads the same files (:meth:`TrustChain.load`), so a signature made in one
worker verifies in any other.

A load generator holds no budget unit's private key, so the service signs on the
unit's behalf, as a remote-signing service does, with one of a pool of signer
certificates (a unit's is fixed by its code); then, as a Treasury does on every
signed document it receives, it verifies the signature and the chain
(:meth:`TrustChain.verify`, RFC 5280 path validation by ``cryptography``'s
verifier). A document changed after signing, or a certificate not issued by the
trusted chain, raises :class:`SignatureRejected`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

ROOT_KEY_BITS = 4096
INTERMEDIATE_KEY_BITS = 3072
SIGNER_KEY_BITS = 2048
SIGNERS = 8
"""Signer certificates in the pool; unit ``code`` signs with ``code % SIGNERS``."""

_VALID_FOR = dt.timedelta(days=3 * 365)


class SignatureRejected(ValueError):
    """The signature or its certificate chain does not verify (one line: why)."""


@dataclass(frozen=True)
class Signer:
    """A signing certificate and its private key."""

    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


def _name(common_name: str, unit: str = "Kho bạc Nhà nước") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: x509.Name,
    issuer_key: rsa.RSAPrivateKey,
    now: dt.datetime,
    *,
    ca: bool,
    path_length: int | None = None,
    email: str | None = None,
) -> x509.Certificate:
    """A certificate for ``key`` signed by ``issuer_key``, with a CA's or a signer's
    extensions (a signer's: digital signature and non-repudiation, its e-mail)."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + _VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False
        )
    )
    if ca:
        usage = dict(key_cert_sign=True, crl_sign=True, digital_signature=False)
        usage_content = False
    else:
        usage = dict(key_cert_sign=False, crl_sign=False, digital_signature=True)
        usage_content = True
    builder = builder.add_extension(
        x509.KeyUsage(
            content_commitment=usage_content,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if email is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False
        ).add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _key(bits: int) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@dataclass(frozen=True)
class TrustChain:
    """The trusted root, the intermediate CA, and the pool of signers it issued."""

    root: x509.Certificate
    intermediate: x509.Certificate
    signers: tuple[Signer, ...]

    @classmethod
    def generate(cls, signers: int = SIGNERS, now: dt.datetime | None = None) -> TrustChain:
        """Fresh keys and certificates (a few seconds: RSA 4096 key generation)."""
        now = now or dt.datetime.now(dt.UTC)
        root_key, ca_key = _key(ROOT_KEY_BITS), _key(INTERMEDIATE_KEY_BITS)
        root_name, ca_name = _name("Root CA (peakload)"), _name("Treasury Signing CA (peakload)")
        root = issue(root_name, root_key, root_name, root_key, now, ca=True, path_length=1)
        ca = issue(ca_name, ca_key, root_name, root_key, now, ca=True, path_length=0)
        pool = []
        for i in range(signers):
            key = _key(SIGNER_KEY_BITS)
            name = _name(f"Kế toán trưởng {i + 1:02d}", unit="Đơn vị sử dụng ngân sách")
            email = f"ketoantruong{i + 1:02d}@donvi.gov.vn"
            pool.append(Signer(key, issue(name, key, ca_name, ca_key, now, ca=False, email=email)))
        return cls(root, ca, tuple(pool))

    def save(self, directory: Path) -> None:
        """PEM files in ``directory``: root.pem, intermediate.pem, signer-NN.pem (key+cert)."""
        directory.mkdir(parents=True, exist_ok=True)
        pem = serialization.Encoding.PEM
        (directory / "root.pem").write_bytes(self.root.public_bytes(pem))
        (directory / "intermediate.pem").write_bytes(self.intermediate.public_bytes(pem))
        for i, signer in enumerate(self.signers):
            key = signer.key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            path = directory / f"signer-{i:02d}.pem"
            path.write_bytes(key + signer.certificate.public_bytes(pem))
            path.chmod(0o600)

    @classmethod
    def load(cls, directory: Path) -> TrustChain:
        """The chain :meth:`save` wrote."""
        root = x509.load_pem_x509_certificate((directory / "root.pem").read_bytes())
        ca = x509.load_pem_x509_certificate((directory / "intermediate.pem").read_bytes())
        pool = []
        for path in sorted(directory.glob("signer-*.pem")):
            data = path.read_bytes()
            key = serialization.load_pem_private_key(data, password=None)
            if not isinstance(key, rsa.RSAPrivateKey):
                raise ValueError(f"{path}: not an RSA key")
            pool.append(Signer(key, x509.load_pem_x509_certificate(data)))
        if not pool:
            raise ValueError(f"{directory}: no signer-NN.pem files")
        return cls(root, ca, tuple(pool))

    def signer_for(self, unit_code: int) -> Signer:
        return self.signers[unit_code % len(self.signers)]

    def sign(self, unit_code: int, document: bytes) -> bytes:
        """The unit's signature over ``document`` (RSA PKCS #1 v1.5, SHA-256)."""
        return self.signer_for(unit_code).key.sign(document, padding.PKCS1v15(), hashes.SHA256())

    def verify(
        self,
        document: bytes,
        signature: bytes,
        certificate: x509.Certificate,
        intermediates: list[x509.Certificate] | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Check ``signature`` over ``document`` with ``certificate``'s key, and that
        certificate's path through ``intermediates`` (default: ours) to our root."""
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise SignatureRejected("the certificate's key is not RSA")
        try:
            key.verify(signature, document, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise SignatureRejected("the signature does not match the document") from None
        verifier = (
            PolicyBuilder()
            .store(Store([self.root]))
            .time(now or dt.datetime.now(dt.UTC))
            .build_client_verifier()
        )
        try:
            verifier.verify(certificate, intermediates or [self.intermediate])
        except VerificationError as exc:
            raise SignatureRejected(f"the certificate chain does not verify: {exc}") from None

    def verify_unit(self, unit_code: int, document: bytes, signature: bytes) -> None:
        """:meth:`verify` with the unit's signer certificate and our intermediate."""
        self.verify(document, signature, self.signer_for(unit_code).certificate)
