//! Real places and the internet providers that serve them, for the fleet's GeoIP tags.
//!
//! City centres are real coordinates; each ISP listed really serves that city (as GeoIP databases
//! name it). Devices are scattered a few kilometres around the centre.

/// The access technology of a provider, which shapes a device's measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Technology {
    /// Fibre to the home: fast and symmetric, low lag.
    Fiber,
    /// DOCSIS cable: fast down, slow up.
    Cable,
    /// DSL over copper: slow, higher lag.
    Dsl,
    /// Fixed wireless.
    FixedWireless,
    /// Low-earth-orbit satellite.
    Satellite,
    /// Mobile network.
    Cellular,
}

/// An internet provider as GeoIP names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Isp {
    /// The name GeoIP gives (`Comcast Cable`).
    pub name: &'static str,
    /// How it reaches the customer.
    pub technology: Technology,
}

/// A city with its coordinates and providers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// City (`Kirkland`).
    pub city: &'static str,
    /// State, province or region (`Washington`).
    pub state: &'static str,
    /// Country (`United States`).
    pub country: &'static str,
    /// ISO 3166 alpha-2 code (`US`).
    pub country_code: &'static str,
    /// Latitude of the centre.
    pub latitude: f64,
    /// Longitude of the centre.
    pub longitude: f64,
    /// Providers serving it.
    pub isps: &'static [Isp],
}

use Technology::*;

const fn isp(name: &'static str, technology: Technology) -> Isp {
    Isp { name, technology }
}

const COMCAST: Isp = isp("Comcast Cable", Cable);
const ATT: Isp = isp("AT&T Services", Fiber);
const SPECTRUM: Isp = isp("Charter Communications", Cable);
const CENTURYLINK: Isp = isp("CenturyLink", Dsl);
const GOOGLE_FIBER: Isp = isp("Google Fiber", Fiber);
const COX: Isp = isp("Cox Communications", Cable);
const VERIZON: Isp = isp("Verizon Fios", Fiber);
const FRONTIER: Isp = isp("Frontier Communications", Fiber);
const STARLINK: Isp = isp("Starlink", Satellite);
const TMOBILE: Isp = isp("T-Mobile USA", FixedWireless);

/// Every place the fleet draws from.
#[rustfmt::skip]
pub const PLACES: &[Place] = &[
    Place { city: "Kirkland", state: "Washington", country: "United States", country_code: "US", latitude: 47.6815, longitude: -122.2087, isps: &[COMCAST, isp("Ziply Fiber", Fiber), TMOBILE] },
    Place { city: "Seattle", state: "Washington", country: "United States", country_code: "US", latitude: 47.6062, longitude: -122.3321, isps: &[COMCAST, CENTURYLINK, isp("Wave Broadband", Cable), isp("Ziply Fiber", Fiber)] },
    Place { city: "Lynnwood", state: "Washington", country: "United States", country_code: "US", latitude: 47.8209, longitude: -122.3151, isps: &[isp("Ziply Fiber", Fiber), COMCAST] },
    Place { city: "Portland", state: "Oregon", country: "United States", country_code: "US", latitude: 45.5152, longitude: -122.6784, isps: &[COMCAST, CENTURYLINK, isp("Ziply Fiber", Fiber)] },
    Place { city: "San Francisco", state: "California", country: "United States", country_code: "US", latitude: 37.7749, longitude: -122.4194, isps: &[COMCAST, ATT, isp("Sonic Telecom", Fiber), isp("Monkeybrains", FixedWireless)] },
    Place { city: "Los Angeles", state: "California", country: "United States", country_code: "US", latitude: 34.0522, longitude: -118.2437, isps: &[SPECTRUM, ATT, FRONTIER] },
    Place { city: "San Diego", state: "California", country: "United States", country_code: "US", latitude: 32.7157, longitude: -117.1611, isps: &[COX, ATT] },
    Place { city: "Phoenix", state: "Arizona", country: "United States", country_code: "US", latitude: 33.4484, longitude: -112.0740, isps: &[COX, CENTURYLINK, TMOBILE] },
    Place { city: "Denver", state: "Colorado", country: "United States", country_code: "US", latitude: 39.7392, longitude: -104.9903, isps: &[COMCAST, CENTURYLINK] },
    Place { city: "Salt Lake City", state: "Utah", country: "United States", country_code: "US", latitude: 40.7608, longitude: -111.8910, isps: &[COMCAST, GOOGLE_FIBER, CENTURYLINK] },
    Place { city: "Boise", state: "Idaho", country: "United States", country_code: "US", latitude: 43.6150, longitude: -116.2023, isps: &[isp("Sparklight", Cable), CENTURYLINK] },
    Place { city: "Bozeman", state: "Montana", country: "United States", country_code: "US", latitude: 45.6770, longitude: -111.0429, isps: &[STARLINK, isp("Spectrum", Cable)] },
    Place { city: "Austin", state: "Texas", country: "United States", country_code: "US", latitude: 30.2672, longitude: -97.7431, isps: &[SPECTRUM, ATT, GOOGLE_FIBER] },
    Place { city: "Dallas", state: "Texas", country: "United States", country_code: "US", latitude: 32.7767, longitude: -96.7970, isps: &[ATT, SPECTRUM, FRONTIER] },
    Place { city: "Houston", state: "Texas", country: "United States", country_code: "US", latitude: 29.7604, longitude: -95.3698, isps: &[COMCAST, ATT] },
    Place { city: "Kansas City", state: "Missouri", country: "United States", country_code: "US", latitude: 39.0997, longitude: -94.5786, isps: &[GOOGLE_FIBER, SPECTRUM, ATT] },
    Place { city: "Minneapolis", state: "Minnesota", country: "United States", country_code: "US", latitude: 44.9778, longitude: -93.2650, isps: &[COMCAST, CENTURYLINK, isp("US Internet", Fiber)] },
    Place { city: "Chicago", state: "Illinois", country: "United States", country_code: "US", latitude: 41.8781, longitude: -87.6298, isps: &[COMCAST, ATT, isp("RCN", Cable)] },
    Place { city: "Nashville", state: "Tennessee", country: "United States", country_code: "US", latitude: 36.1627, longitude: -86.7816, isps: &[COMCAST, ATT, GOOGLE_FIBER] },
    Place { city: "Atlanta", state: "Georgia", country: "United States", country_code: "US", latitude: 33.7490, longitude: -84.3880, isps: &[COMCAST, ATT, GOOGLE_FIBER] },
    Place { city: "Miami", state: "Florida", country: "United States", country_code: "US", latitude: 25.7617, longitude: -80.1918, isps: &[COMCAST, ATT] },
    Place { city: "Orlando", state: "Florida", country: "United States", country_code: "US", latitude: 28.5383, longitude: -81.3792, isps: &[SPECTRUM, ATT] },
    Place { city: "Raleigh", state: "North Carolina", country: "United States", country_code: "US", latitude: 35.7796, longitude: -78.6382, isps: &[SPECTRUM, ATT, GOOGLE_FIBER] },
    Place { city: "Washington", state: "District of Columbia", country: "United States", country_code: "US", latitude: 38.9072, longitude: -77.0369, isps: &[COMCAST, VERIZON] },
    Place { city: "Philadelphia", state: "Pennsylvania", country: "United States", country_code: "US", latitude: 39.9526, longitude: -75.1652, isps: &[COMCAST, VERIZON] },
    Place { city: "New York", state: "New York", country: "United States", country_code: "US", latitude: 40.7128, longitude: -74.0060, isps: &[SPECTRUM, VERIZON, isp("Astound Broadband", Cable)] },
    Place { city: "Boston", state: "Massachusetts", country: "United States", country_code: "US", latitude: 42.3601, longitude: -71.0589, isps: &[COMCAST, VERIZON, isp("Astound Broadband", Cable)] },
    Place { city: "Anchorage", state: "Alaska", country: "United States", country_code: "US", latitude: 61.2181, longitude: -149.9003, isps: &[isp("GCI Communication", Cable), STARLINK] },
    Place { city: "Honolulu", state: "Hawaii", country: "United States", country_code: "US", latitude: 21.3069, longitude: -157.8583, isps: &[SPECTRUM, isp("Hawaiian Telcom", Fiber)] },
    Place { city: "Toronto", state: "Ontario", country: "Canada", country_code: "CA", latitude: 43.6532, longitude: -79.3832, isps: &[isp("Rogers Communications", Cable), isp("Bell Canada", Fiber)] },
    Place { city: "Vancouver", state: "British Columbia", country: "Canada", country_code: "CA", latitude: 49.2827, longitude: -123.1207, isps: &[isp("Shaw Communications", Cable), isp("TELUS Communications", Fiber)] },
    Place { city: "Montreal", state: "Quebec", country: "Canada", country_code: "CA", latitude: 45.5017, longitude: -73.5673, isps: &[isp("Videotron", Cable), isp("Bell Canada", Fiber)] },
    Place { city: "London", state: "England", country: "United Kingdom", country_code: "GB", latitude: 51.5074, longitude: -0.1278, isps: &[isp("British Telecommunications", Fiber), isp("Virgin Media", Cable), isp("Sky Broadband", Dsl)] },
    Place { city: "Manchester", state: "England", country: "United Kingdom", country_code: "GB", latitude: 53.4808, longitude: -2.2426, isps: &[isp("Virgin Media", Cable), isp("British Telecommunications", Dsl)] },
    Place { city: "Dublin", state: "Leinster", country: "Ireland", country_code: "IE", latitude: 53.3498, longitude: -6.2603, isps: &[isp("Eir", Fiber), isp("Virgin Media Ireland", Cable)] },
    Place { city: "Berlin", state: "Land Berlin", country: "Germany", country_code: "DE", latitude: 52.5200, longitude: 13.4050, isps: &[isp("Deutsche Telekom AG", Dsl), isp("Vodafone GmbH", Cable)] },
    Place { city: "Munich", state: "Bavaria", country: "Germany", country_code: "DE", latitude: 48.1351, longitude: 11.5820, isps: &[isp("Deutsche Telekom AG", Fiber), isp("M-net Telekommunikations GmbH", Fiber)] },
    Place { city: "Paris", state: "Île-de-France", country: "France", country_code: "FR", latitude: 48.8566, longitude: 2.3522, isps: &[isp("Orange", Fiber), isp("Free SAS", Fiber), isp("SFR", Cable)] },
    Place { city: "Amsterdam", state: "North Holland", country: "Netherlands", country_code: "NL", latitude: 52.3676, longitude: 4.9041, isps: &[isp("KPN", Fiber), isp("Ziggo", Cable)] },
    Place { city: "Madrid", state: "Madrid", country: "Spain", country_code: "ES", latitude: 40.4168, longitude: -3.7038, isps: &[isp("Telefonica de Espana", Fiber), isp("Orange Espagne", Fiber)] },
    Place { city: "Stockholm", state: "Stockholm County", country: "Sweden", country_code: "SE", latitude: 59.3293, longitude: 18.0686, isps: &[isp("Telia Company", Fiber), isp("Bahnhof AB", Fiber)] },
    Place { city: "Tokyo", state: "Tokyo", country: "Japan", country_code: "JP", latitude: 35.6762, longitude: 139.6503, isps: &[isp("NTT Communications", Fiber), isp("KDDI Corporation", Fiber), isp("SoftBank Corp.", Fiber)] },
    Place { city: "Sydney", state: "New South Wales", country: "Australia", country_code: "AU", latitude: -33.8688, longitude: 151.2093, isps: &[isp("Telstra", Cable), isp("TPG Telecom", Dsl), isp("Optus", Cellular)] },
    Place { city: "Melbourne", state: "Victoria", country: "Australia", country_code: "AU", latitude: -37.8136, longitude: 144.9631, isps: &[isp("Telstra", Fiber), isp("Aussie Broadband", Fiber)] },
    Place { city: "Auckland", state: "Auckland", country: "New Zealand", country_code: "NZ", latitude: -36.8485, longitude: 174.7633, isps: &[isp("Spark New Zealand", Fiber), isp("One NZ", Cable)] },
    Place { city: "Bengaluru", state: "Karnataka", country: "India", country_code: "IN", latitude: 12.9716, longitude: 77.5946, isps: &[isp("Bharti Airtel", Fiber), isp("Reliance Jio Infocomm", Cellular), isp("Atria Convergence Technologies", Fiber)] },
    Place { city: "Singapore", state: "Singapore", country: "Singapore", country_code: "SG", latitude: 1.3521, longitude: 103.8198, isps: &[isp("Singtel", Fiber), isp("StarHub", Fiber)] },
    Place { city: "São Paulo", state: "São Paulo", country: "Brazil", country_code: "BR", latitude: -23.5505, longitude: -46.6333, isps: &[isp("Claro S.A.", Cable), isp("Telefonica Brasil", Fiber)] },
    Place { city: "Mexico City", state: "Mexico City", country: "Mexico", country_code: "MX", latitude: 19.4326, longitude: -99.1332, isps: &[isp("Telmex", Dsl), isp("Totalplay", Fiber)] },
];

/// First octets of public IPv4 ranges used for devices' public addresses (never private ranges).
pub const PUBLIC_FIRST_OCTETS: &[u8] = &[
    24, 50, 67, 68, 71, 73, 76, 96, 98, 99, 104, 108, 136, 162, 173, 184,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_sane() {
        assert!(PLACES.len() >= 40);
        for p in PLACES {
            assert!(!p.isps.is_empty(), "{}", p.city);
            assert!((-90.0..=90.0).contains(&p.latitude));
            assert!((-180.0..=180.0).contains(&p.longitude));
            assert_eq!(p.country_code.len(), 2);
        }
    }
}
