//! Signing key pairs: generated (ES256, EdDSA), imported (RS256, PS256: ring signs with
//! RSA but cannot make RSA keys, and the `rsa` crate carries an unfixed advisory), parsed
//! once from PKCS#8, and their public halves in the forms JWKS and the store need.

use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RSA_PSS_SHA256, RsaKeyPair, RsaPublicKeyComponents,
};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject as _;

use super::CryptoError;
use crate::domain::SigningAlg;

/// A private key, parsed once, ready to sign.
pub enum KeyPair {
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
    Rs256(RsaKeyPair),
    Ps256(RsaKeyPair),
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({}, [redacted])", self.alg())
    }
}

/// A public key, in the parts a JWK names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKey {
    P256 { x: Vec<u8>, y: Vec<u8> },
    Ed25519 { x: Vec<u8> },
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

/// RSA moduli sigil accepts, in bytes (ring's own range: 2048 to 8192 bits).
const RSA_MODULUS_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

impl KeyPair {
    /// A new key for `alg`, and its PKCS#8 document (to seal and store).
    pub fn generate(alg: SigningAlg) -> Result<(Vec<u8>, Self), CryptoError> {
        let rng = SystemRandom::new();
        let pkcs8 = match alg {
            SigningAlg::Es256 => {
                EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                    .map_err(|_| CryptoError::Key("P-256 generation failed"))?
            }
            SigningAlg::EdDsa => Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(|_| CryptoError::Key("Ed25519 generation failed"))?,
            SigningAlg::Rs256 | SigningAlg::Ps256 => {
                return Err(CryptoError::Key(
                    "RSA keys cannot be generated here; import one (sigil keys import)",
                ));
            }
        };
        let pair = Self::from_pkcs8(alg, pkcs8.as_ref())?;
        Ok((pkcs8.as_ref().to_vec(), pair))
    }

    /// An RSA key for `alg` (RS256 or PS256) from a PEM `PRIVATE KEY` (PKCS#8), as
    /// `openssl genpkey -algorithm RSA` writes it, and its PKCS#8 document.
    pub fn import_pem(alg: SigningAlg, pem: &[u8]) -> Result<(Vec<u8>, Self), CryptoError> {
        if !alg.is_rsa() {
            return Err(CryptoError::Key(
                "only RS256 and PS256 keys are imported; ES256 and EdDSA keys are generated",
            ));
        }
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem).map_err(|_| {
            CryptoError::Key("not a PEM PRIVATE KEY (PKCS#8); see `openssl genpkey` in README")
        })?;
        let pair = Self::from_pkcs8(alg, der.secret_pkcs8_der())?;
        Ok((der.secret_pkcs8_der().to_vec(), pair))
    }

    /// Parses a PKCS#8 document as a key for `alg`.
    pub fn from_pkcs8(alg: SigningAlg, pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let rsa = || {
            let pair = RsaKeyPair::from_pkcs8(pkcs8)
                .map_err(|_| CryptoError::Key("not an RSA private key of 2048 to 8192 bits"))?;
            Ok::<_, CryptoError>(pair)
        };
        Ok(match alg {
            SigningAlg::Es256 => Self::Es256(
                EcdsaKeyPair::from_pkcs8(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    pkcs8,
                    &SystemRandom::new(),
                )
                .map_err(|_| CryptoError::Key("not a P-256 private key"))?,
            ),
            SigningAlg::EdDsa => Self::EdDsa(
                Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                    .map_err(|_| CryptoError::Key("not an Ed25519 private key"))?,
            ),
            SigningAlg::Rs256 => Self::Rs256(rsa()?),
            SigningAlg::Ps256 => Self::Ps256(rsa()?),
        })
    }

    pub fn alg(&self) -> SigningAlg {
        match self {
            Self::Es256(_) => SigningAlg::Es256,
            Self::EdDsa(_) => SigningAlg::EdDsa,
            Self::Rs256(_) => SigningAlg::Rs256,
            Self::Ps256(_) => SigningAlg::Ps256,
        }
    }

    /// The JWS signature (RFC 7518 §3) of `message`.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = |_| CryptoError::Key("signing failed");
        match self {
            Self::Es256(pair) => Ok(pair
                .sign(&SystemRandom::new(), message)
                .map_err(failed)?
                .as_ref()
                .to_vec()),
            Self::EdDsa(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Self::Rs256(pair) | Self::Ps256(pair) => {
                let padding: &dyn ring::signature::RsaEncoding = if matches!(self, Self::Rs256(_)) {
                    &RSA_PKCS1_SHA256
                } else {
                    &RSA_PSS_SHA256
                };
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &SystemRandom::new(), message, &mut signature)
                    .map_err(failed)?;
                Ok(signature)
            }
        }
    }

    pub fn public(&self) -> Result<PublicKey, CryptoError> {
        match self {
            Self::Es256(pair) => {
                let (x, y) = p256_coordinates(pair.public_key().as_ref())?;
                Ok(PublicKey::P256 {
                    x: x.to_vec(),
                    y: y.to_vec(),
                })
            }
            Self::EdDsa(pair) => Ok(PublicKey::Ed25519 {
                x: pair.public_key().as_ref().to_vec(),
            }),
            Self::Rs256(pair) | Self::Ps256(pair) => {
                let parts = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                Ok(PublicKey::Rsa {
                    n: parts.n,
                    e: parts.e,
                })
            }
        }
    }
}

impl PublicKey {
    /// How the store keeps it: the uncompressed P-256 point, the 32 Ed25519 bytes, or for
    /// RSA the modulus length (2 bytes, big-endian), the modulus, then the exponent.
    pub fn to_stored(&self) -> Vec<u8> {
        match self {
            Self::P256 { x, y } => [&[4u8][..], x, y].concat(),
            Self::Ed25519 { x } => x.clone(),
            Self::Rsa { n, e } => {
                let len = u16::try_from(n.len()).unwrap_or(u16::MAX).to_be_bytes();
                [&len[..], n, e].concat()
            }
        }
    }

    /// Reads back what [`PublicKey::to_stored`] wrote for a key of `alg`.
    pub fn from_stored(alg: SigningAlg, bytes: &[u8]) -> Result<Self, CryptoError> {
        match alg {
            SigningAlg::Es256 => {
                let (x, y) = p256_coordinates(bytes)?;
                Ok(Self::P256 {
                    x: x.to_vec(),
                    y: y.to_vec(),
                })
            }
            SigningAlg::EdDsa if bytes.len() == 32 => Ok(Self::Ed25519 { x: bytes.to_vec() }),
            SigningAlg::EdDsa => Err(CryptoError::Key("not an Ed25519 public key")),
            SigningAlg::Rs256 | SigningAlg::Ps256 => {
                let bad = || CryptoError::Key("not a stored RSA public key");
                let (len, rest) = bytes.split_first_chunk::<2>().ok_or_else(bad)?;
                let n_len = usize::from(u16::from_be_bytes(*len));
                if !RSA_MODULUS_BYTES.contains(&n_len) || rest.len() <= n_len {
                    return Err(bad());
                }
                let (n, e) = rest.split_at(n_len);
                if e.len() > 8 {
                    return Err(bad());
                }
                Ok(Self::Rsa {
                    n: n.to_vec(),
                    e: e.to_vec(),
                })
            }
        }
    }
}

/// Splits an uncompressed P-256 point (`04 ‖ x ‖ y`) into its coordinates.
pub fn p256_coordinates(public: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    match public {
        [4, rest @ ..] if rest.len() == 64 => Ok(rest.split_at(32)),
        _ => Err(CryptoError::Key("not an uncompressed P-256 point")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_sign_and_round_trip_their_public_half() {
        for alg in [SigningAlg::Es256, SigningAlg::EdDsa] {
            let (pkcs8, pair) = KeyPair::generate(alg).unwrap();
            assert_eq!(pair.alg(), alg);
            let public = pair.public().unwrap();
            assert_eq!(
                PublicKey::from_stored(alg, &public.to_stored()).unwrap(),
                public
            );
            let again = KeyPair::from_pkcs8(alg, &pkcs8).unwrap();
            assert_eq!(again.public().unwrap(), public);
            assert!(!pair.sign(b"message").unwrap().is_empty());
        }
        assert!(KeyPair::generate(SigningAlg::Rs256).is_err());
    }

    #[test]
    fn a_key_is_only_read_as_its_own_algorithm() {
        let (es, _) = KeyPair::generate(SigningAlg::Es256).unwrap();
        assert!(KeyPair::from_pkcs8(SigningAlg::EdDsa, &es).is_err());
        assert!(KeyPair::from_pkcs8(SigningAlg::Rs256, &es).is_err());
    }

    #[test]
    fn imports_refuse_what_is_not_an_rsa_pkcs8_pem() {
        let (es, _) = KeyPair::generate(SigningAlg::Es256).unwrap();
        let pem = |label: &str, der: &[u8]| {
            use base64::Engine as _;
            format!(
                "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
                base64::engine::general_purpose::STANDARD.encode(der)
            )
        };
        for (alg, input) in [
            (SigningAlg::Rs256, String::new()),
            (SigningAlg::Rs256, "not pem".to_owned()),
            (SigningAlg::Rs256, pem("PRIVATE KEY", &es)),
            (SigningAlg::Rs256, pem("PUBLIC KEY", &[0; 10])),
            (SigningAlg::Es256, pem("PRIVATE KEY", &es)),
        ] {
            assert!(
                KeyPair::import_pem(alg, input.as_bytes()).is_err(),
                "{input}"
            );
        }
    }

    #[test]
    fn stored_public_keys_are_bounded() {
        assert!(PublicKey::from_stored(SigningAlg::EdDsa, &[0; 31]).is_err());
        assert!(PublicKey::from_stored(SigningAlg::Es256, &[4; 64]).is_err());
        assert!(PublicKey::from_stored(SigningAlg::Rs256, &[]).is_err());
        assert!(PublicKey::from_stored(SigningAlg::Rs256, &[0, 10, 1, 2]).is_err());
        let mut rsa = vec![1, 0];
        rsa.extend([0xab; 256]);
        rsa.extend([1, 0, 1]);
        assert!(matches!(
            PublicKey::from_stored(SigningAlg::Rs256, &rsa),
            Ok(PublicKey::Rsa { ref n, ref e }) if n.len() == 256 && e == &[1, 0, 1]
        ));
        rsa.truncate(258);
        assert!(
            PublicKey::from_stored(SigningAlg::Rs256, &rsa).is_err(),
            "no exponent"
        );
    }
}
