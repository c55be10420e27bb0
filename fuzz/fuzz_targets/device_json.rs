//! `Device::from_json` (a hand-written parser for the shape Orb sends, serde for the rest) gives
//! exactly what serde gives, on any text: the same device or an error for both.
#![no_main]

use libfuzzer_sys::fuzz_target;
use orb_cloud::Device;

fuzz_target!(|text: &str| {
    let fast = Device::from_json(text);
    let serde = serde_json::from_str::<Device>(text);
    match (fast, serde) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{text:?}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("from_json {a:?} but serde {b:?} for {text:?}"),
    }
});
