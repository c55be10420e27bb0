//! API keys, their permissions, expiry and IP allowlists.
//!
//! Orb documents the permissions (Organizations: Read, Devices: Read, Devices: Stream, Datasets:
//! Write, and a device-action permission for speed tests) but not which operation needs which.
//! **The sandbox's assumption** (see the crate docs) is:
//!
//! | operation | permission |
//! |---|---|
//! | list organizations, list configurations | `organizations:read` ("Organizations: Read") |
//! | list devices, get a device's configuration | `devices:read` ("Devices: Read") |
//! | patch or delete a device's configuration, trigger a speed test | `devices:action` ("Devices: Action") |
//! | temp datasets (both paths) | `datasets:write` ("Datasets: Write") |
//!
//! `devices:stream` ("Devices: Stream") exists and can be granted, but no public operation needs it.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

use axum::http::{HeaderMap, StatusCode};
use serde::Serialize;

use crate::error::ErrorBody;

/// A permission an API key can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// `organizations:read`: list organizations and their configurations.
    OrganizationsRead,
    /// `devices:read`: list devices, read device configuration.
    DevicesRead,
    /// `devices:stream`: real-time data (no public operation uses it).
    DevicesStream,
    /// `datasets:write`: configure temporary data collection.
    DatasetsWrite,
    /// `devices:action`: change device configuration, run speed tests.
    DevicesAction,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 5] = [
        Permission::OrganizationsRead,
        Permission::DevicesRead,
        Permission::DevicesStream,
        Permission::DatasetsWrite,
        Permission::DevicesAction,
    ];

    /// The scope string (`devices:read`).
    ///
    /// ```
    /// use orb_cloud_sandbox::auth::Permission;
    /// assert_eq!(Permission::DevicesRead.scope(), "devices:read");
    /// assert_eq!("devices:read".parse::<Permission>().unwrap(), Permission::DevicesRead);
    /// ```
    pub fn scope(self) -> &'static str {
        match self {
            Permission::OrganizationsRead => "organizations:read",
            Permission::DevicesRead => "devices:read",
            Permission::DevicesStream => "devices:stream",
            Permission::DatasetsWrite => "datasets:write",
            Permission::DevicesAction => "devices:action",
        }
    }

    /// The name Orb's UI gives it (`Devices: Read`).
    pub fn ui_name(self) -> &'static str {
        match self {
            Permission::OrganizationsRead => "Organizations: Read",
            Permission::DevicesRead => "Devices: Read",
            Permission::DevicesStream => "Devices: Stream",
            Permission::DatasetsWrite => "Datasets: Write",
            Permission::DevicesAction => "Devices: Action",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scope())
    }
}

/// An unknown scope string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission {0:?}; use organizations:read, devices:read, devices:stream, datasets:write or devices:action")]
pub struct UnknownPermission(pub String);

impl FromStr for Permission {
    type Err = UnknownPermission;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s
            .trim()
            .to_ascii_lowercase()
            .replace(": ", ":")
            .replace(' ', "_");
        Permission::ALL
            .into_iter()
            .find(|p| {
                p.scope() == norm || p.ui_name().to_ascii_lowercase().replace(": ", ":") == norm
            })
            .ok_or_else(|| UnknownPermission(s.to_string()))
    }
}

/// How long a minted key lives: `never`, `30d`, `90d` or `1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Expiry {
    /// Never expires.
    #[serde(rename = "never")]
    Never,
    /// 30 days.
    #[serde(rename = "30d")]
    Days30,
    /// 90 days.
    #[serde(rename = "90d")]
    Days90,
    /// 365 days.
    #[serde(rename = "1y")]
    Year,
}

impl Expiry {
    /// Lifetime in milliseconds (`None`: forever).
    pub fn millis(self) -> Option<i64> {
        const DAY: i64 = 86_400_000;
        match self {
            Expiry::Never => None,
            Expiry::Days30 => Some(30 * DAY),
            Expiry::Days90 => Some(90 * DAY),
            Expiry::Year => Some(365 * DAY),
        }
    }
}

/// An unknown expiry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown expiry {0:?}; use never, 30d, 90d or 1y")]
pub struct UnknownExpiry(pub String);

impl FromStr for Expiry {
    type Err = UnknownExpiry;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "never" => Ok(Expiry::Never),
            "30d" => Ok(Expiry::Days30),
            "90d" => Ok(Expiry::Days90),
            "1y" => Ok(Expiry::Year),
            other => Err(UnknownExpiry(other.to_string())),
        }
    }
}

/// An IPv4 or IPv6 network (`10.0.0.0/8`, `2001:db8::/32`, or one address).
///
/// ```
/// use orb_cloud_sandbox::auth::IpNet;
/// let net: IpNet = "10.0.0.0/8".parse().unwrap();
/// assert!(net.contains("10.1.2.3".parse().unwrap()));
/// assert!(!net.contains("11.0.0.1".parse().unwrap()));
/// let v6: IpNet = "2001:db8::/32".parse().unwrap();
/// assert!(v6.contains("2001:db8::1".parse().unwrap()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// A malformed IP network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid IP address or CIDR {0:?} (e.g. 203.0.113.7, 10.0.0.0/8, 2001:db8::/32)")]
pub struct InvalidIpNet(pub String);

impl FromStr for IpNet {
    type Err = InvalidIpNet;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || InvalidIpNet(s.to_string());
        let (a, p) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().map_err(|_| err())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(err)?,
            None => max,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl IpNet {
    /// Whether `ip` is inside (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self.addr.to_canonical(), ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let p = u32::from(self.prefix.min(32));
                let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let p = u32::from(self.prefix.min(128));
                let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// One API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Public id (`key_…`), used to list and revoke.
    pub id: String,
    /// Name given at creation.
    pub name: String,
    /// The secret value (`orb-ok1-…`).
    pub(crate) value: String,
    /// Permissions.
    pub scopes: BTreeSet<Permission>,
    /// Expiry chosen at creation.
    pub expiry: Expiry,
    /// Creation (epoch ms).
    pub created_at: i64,
    /// End of validity (epoch ms), if any.
    pub expires_at: Option<i64>,
    /// Allowed source networks (empty: any).
    pub allowed_ips: Vec<IpNet>,
    /// Revoked keys authenticate nothing.
    pub revoked: bool,
}

/// A key as `GET /_sandbox/api-keys` shows it: never its value.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    /// Public id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Scope strings.
    pub scopes: Vec<&'static str>,
    /// UI names of the scopes.
    pub permissions: Vec<&'static str>,
    /// `never`, `30d`, `90d`, `1y`.
    pub expires: Expiry,
    /// End of validity (epoch ms) or null.
    pub expires_at: Option<i64>,
    /// Allowed networks (CIDR).
    pub allowed_ips: Vec<String>,
    /// Creation (epoch ms).
    pub created_at: i64,
    /// Whether revoked.
    pub revoked: bool,
}

impl ApiKey {
    /// The listing view (no secret).
    pub fn info(&self) -> KeyInfo {
        KeyInfo {
            id: self.id.clone(),
            name: self.name.clone(),
            scopes: self.scopes.iter().map(|p| p.scope()).collect(),
            permissions: self.scopes.iter().map(|p| p.ui_name()).collect(),
            expires: self.expiry,
            expires_at: self.expires_at,
            allowed_ips: self.allowed_ips.iter().map(|n| n.to_string()).collect(),
            created_at: self.created_at,
            revoked: self.revoked,
        }
    }

    /// 403 unless the key carries `p`; `action` says what was attempted ("list devices").
    pub fn require(&self, p: Permission, action: &str) -> Result<(), ErrorBody> {
        if self.scopes.contains(&p) {
            Ok(())
        } else {
            Err(ErrorBody::new(
                StatusCode::FORBIDDEN,
                "INSUFFICIENT_PERMISSIONS",
                format!(
                    "This API key does not have the \"{}\" permission ({}), which is required to {action}. Add it in Orb Cloud > Orchestration > API Keys.",
                    p.ui_name(),
                    p.scope()
                ),
            ))
        }
    }
}

/// What to mint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKey {
    /// Name.
    pub name: String,
    /// Permissions.
    pub scopes: BTreeSet<Permission>,
    /// Lifetime.
    pub expiry: Expiry,
    /// Allowed networks (empty: any).
    pub allowed_ips: Vec<IpNet>,
}

#[derive(Debug, Default)]
struct Keys {
    by_value: HashMap<String, Arc<ApiKey>>,
    order: Vec<String>,
}

/// Every API key of the sandbox.
#[derive(Debug, Default)]
pub struct KeyStore {
    keys: RwLock<Keys>,
}

impl KeyStore {
    /// Adds a key with a chosen value (the `--api-key` key); returns its id.
    pub fn insert_value(&self, value: &str, new: NewKey, now_ms: i64) -> Arc<ApiKey> {
        let key = Arc::new(ApiKey {
            id: format!("key_{}", crate::rng::secret(16)),
            name: new.name,
            value: value.to_string(),
            scopes: new.scopes,
            expiry: new.expiry,
            created_at: now_ms,
            expires_at: new.expiry.millis().map(|m| now_ms.saturating_add(m)),
            allowed_ips: new.allowed_ips,
            revoked: false,
        });
        let mut k = self.keys.write().unwrap_or_else(|e| e.into_inner());
        k.order.push(value.to_string());
        k.by_value.insert(value.to_string(), key.clone());
        key
    }

    /// Mints a key with a fresh random value; returns it and its value.
    pub fn mint(&self, new: NewKey, now_ms: i64) -> (Arc<ApiKey>, String) {
        let value = format!("orb-ok1-{}", crate::rng::secret(40));
        let key = self.insert_value(&value, new, now_ms);
        (key, value)
    }

    /// Every key, in creation order.
    pub fn list(&self) -> Vec<Arc<ApiKey>> {
        let k = self.keys.read().unwrap_or_else(|e| e.into_inner());
        k.order
            .iter()
            .filter_map(|v| k.by_value.get(v).cloned())
            .collect()
    }

    /// Revokes the key with that id; false if there is none.
    pub fn revoke(&self, id: &str) -> bool {
        let mut k = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let value = k
            .by_value
            .iter()
            .find(|(_, v)| v.id == id)
            .map(|(val, _)| val.clone());
        match value.and_then(|v| k.by_value.get_mut(&v)) {
            Some(key) => {
                let mut updated = (**key).clone();
                updated.revoked = true;
                *key = Arc::new(updated);
                true
            }
            None => false,
        }
    }

    /// Checks the bearer key of a request.
    ///
    /// 401: missing, malformed, unknown, revoked or expired; 403: source address not allowed.
    pub fn authenticate(
        &self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        now_ms: i64,
    ) -> Result<Arc<ApiKey>, ErrorBody> {
        let value = bearer(headers)?;
        let key = {
            let k = self.keys.read().unwrap_or_else(|e| e.into_inner());
            k.by_value.get(value).cloned()
        };
        let key = key.ok_or_else(|| {
            ErrorBody::new(
                StatusCode::UNAUTHORIZED,
                "INVALID_API_KEY",
                "Invalid API key: no key matches the bearer token",
            )
        })?;
        if key.revoked {
            return Err(ErrorBody::new(
                StatusCode::UNAUTHORIZED,
                "API_KEY_REVOKED",
                format!("API key {} ({:?}) has been revoked", key.id, key.name),
            ));
        }
        if let Some(exp) = key.expires_at {
            if now_ms >= exp {
                return Err(ErrorBody::new(
                    StatusCode::UNAUTHORIZED,
                    "API_KEY_EXPIRED",
                    format!(
                        "API key {} ({:?}) expired at {}; create a new key",
                        key.id,
                        key.name,
                        rfc3339(exp)
                    ),
                ));
            }
        }
        if !key.allowed_ips.is_empty() {
            let allowed = peer.is_some_and(|ip| key.allowed_ips.iter().any(|n| n.contains(ip)));
            if !allowed {
                let from = peer
                    .map(|p| p.to_canonical().to_string())
                    .unwrap_or_else(|| "an unknown address".into());
                let list: Vec<String> = key.allowed_ips.iter().map(|n| n.to_string()).collect();
                return Err(ErrorBody::new(
                    StatusCode::FORBIDDEN,
                    "IP_NOT_ALLOWED",
                    format!(
                        "Requests from {from} are not allowed for API key {} (allowed: {})",
                        key.id,
                        list.join(", ")
                    ),
                ));
            }
        }
        Ok(key)
    }
}

/// The token of `Authorization: Bearer <token>`, or 401.
pub fn bearer(headers: &HeaderMap) -> Result<&str, ErrorBody> {
    let raw = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ErrorBody::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                "Missing API key: send \"Authorization: Bearer <API key>\"",
            )
        })?;
    let malformed = || {
        ErrorBody::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Malformed Authorization header: expected \"Bearer <API key>\"",
        )
    };
    let s = raw.to_str().map_err(|_| malformed())?;
    let (scheme, token) = s.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed());
    }
    Ok(token.trim())
}

/// Epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ`.
///
/// ```
/// assert_eq!(orb_cloud_sandbox::auth::rfc3339(0), "1970-01-01T00:00:00Z");
/// assert_eq!(orb_cloud_sandbox::auth::rfc3339(1_790_000_000_000), "2026-09-21T14:13:20Z");
/// ```
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr() {
        let n: IpNet = "192.168.1.0/24".parse().unwrap();
        assert!(n.contains("192.168.1.200".parse().unwrap()));
        assert!(!n.contains("192.168.2.1".parse().unwrap()));
        assert!(n.contains("::ffff:192.168.1.9".parse().unwrap()));
        let one: IpNet = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()));
        assert!(!one.contains("127.0.0.2".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
        assert!(!all.contains("2001:db8::1".parse().unwrap()));
        let v6: IpNet = "::1/128".parse().unwrap();
        assert!(v6.contains("::1".parse().unwrap()));
        assert!(!v6.contains("127.0.0.1".parse().unwrap()));
        let v6net: IpNet = "2001:db8:abcd::/48".parse().unwrap();
        assert!(v6net.contains("2001:db8:abcd:12::1".parse().unwrap()));
        assert!(!v6net.contains("2001:db8:abce::1".parse().unwrap()));
        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0", "x/8", "10.0.0.0/-1"] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn permissions_parse() {
        for p in Permission::ALL {
            assert_eq!(p.scope().parse::<Permission>().unwrap(), p);
            assert_eq!(p.ui_name().parse::<Permission>().unwrap(), p);
        }
        assert!("admin".parse::<Permission>().is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00Z");
    }
}
