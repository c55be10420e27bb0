//! HTTPS for the receiver: a certificate chain and key in PEM, served with rustls.
//!
//! The push token travels in the URL path (Orb's push configuration has no header field), so
//! over plain HTTP anyone on the path between device and receiver can read it and push as a
//! device. With a certificate the token stays between the two. A reverse proxy that ends TLS in
//! front of a plain-HTTP receiver is the other way to get there.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

/// A certificate chain and its private key, ready to serve HTTPS
/// ([`PushReceiverBuilder::tls`](super::PushReceiverBuilder::tls)).
///
/// ```no_run
/// use orb_cloud::push::{PushReceiver, TlsConfig};
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let tls = TlsConfig::from_pem_files("/etc/orb/fullchain.pem", "/etc/orb/privkey.pem")?;
/// let (receiver, events) = PushReceiver::builder().tls(tls).bind("0.0.0.0:7443").await?;
/// println!("devices push to {}", receiver.url("https://ingest.example.com:7443"));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

/// Why a certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// A file could not be read.
    #[error("could not read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The PEM text is malformed.
    #[error("the {what} is not valid PEM: {source}")]
    Pem {
        /// "certificate chain" or "private key".
        what: &'static str,
        /// The PEM parser's error.
        #[source]
        source: rustls_pki_types::pem::Error,
    },
    /// The certificate file holds no `CERTIFICATE` block.
    #[error(
        "no certificate found in the certificate file (expected \"-----BEGIN CERTIFICATE-----\")"
    )]
    NoCertificate,
    /// rustls refused the pair (the key does not match the certificate, or is of an
    /// unsupported kind).
    #[error("the certificate and key cannot be used together: {source}")]
    Rejected {
        /// rustls' error.
        #[source]
        source: rustls::Error,
    },
}

impl TlsConfig {
    /// From PEM text: the certificate chain (leaf first) and a PKCS#8, PKCS#1 or SEC1 key.
    pub fn from_pem(cert_chain: &[u8], key: &[u8]) -> Result<Self, TlsError> {
        let certs = CertificateDer::pem_slice_iter(cert_chain)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| TlsError::Pem {
                what: "certificate chain",
                source,
            })?;
        if certs.is_empty() {
            return Err(TlsError::NoCertificate);
        }
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|source| TlsError::Pem {
            what: "private key",
            source,
        })?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|source| TlsError::Rejected { source })?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|source| TlsError::Rejected { source })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
        })
    }

    /// From PEM files (as Let's Encrypt writes them: `fullchain.pem`, `privkey.pem`).
    pub fn from_pem_files(
        cert_chain: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_owned(),
                source,
            })
        };
        let key = zeroize::Zeroizing::new(read(key.as_ref())?);
        Self::from_pem(&read(cert_chain.as_ref())?, &key)
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.config.clone())
    }
}
