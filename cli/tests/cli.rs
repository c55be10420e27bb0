//! `orb` as a user runs it: the real binary, against a sandbox started by the test (shared state
//! across invocations) or its own `--sandbox`, in both output modes, with the error paths.

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use orb_cloud_sandbox::{Sandbox, SandboxHandle};
use serde_json::Value;

const KEY: &str = "orb-ok1-cli-test-key";

fn orb() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orb"));
    cmd.env_remove("ORB_CLOUD_API_KEY")
        .env_remove("ORB_CLOUD_BASE_URL")
        .env_remove("RUST_LOG")
        .env_remove("ORB_PROFILE")
        .env_remove("ORB_PUSH_TOKEN")
        // No config file of the machine's user reaches the tests.
        .env("ORB_CONFIG", "/nonexistent/orb-cli-tests/config.toml")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    fn fails(self) -> Self {
        assert_ne!(self.code, 0, "expected a failure; stdout:\n{}", self.stdout);
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        // Progress lines of a long wait may come first; then the error.
        let error: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| !l.starts_with("orb: still "))
            .collect();
        assert!(error[0].starts_with("error: "), "{}", self.stderr);
        // One or two plain sentences: no debug dump.
        assert!(error.len() <= 3, "{}", self.stderr);
        self
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }
}

/// Runs the binary off the async runtime (the sandbox must keep serving meanwhile).
async fn run(args: Vec<String>, env: Vec<(&'static str, String)>) -> Run {
    tokio::task::spawn_blocking(move || {
        let mut cmd = orb();
        cmd.args(&args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("run orb");
        assert!(status.code().is_some(), "killed by a signal");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

async fn sandbox(orgs: usize) -> SandboxHandle {
    Sandbox::builder()
        .orgs(orgs)
        .devices(6)
        .seed(99)
        .api_key(KEY)
        .speed_test_duration(Duration::from_millis(200))
        .start()
        .await
        .unwrap()
}

/// `orb ARGS` against `sb` with its key.
async fn against(sb: &SandboxHandle, args: &[&str]) -> Run {
    let mut all: Vec<String> = vec!["--base-url".into(), sb.base_url()];
    all.extend(args.iter().map(|s| (*s).to_owned()));
    run(all, vec![("ORB_CLOUD_API_KEY", KEY.to_owned())]).await
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_and_devices_in_both_modes() {
    let sb = sandbox(1).await;
    let org = sb.fleet().organizations[0].clone();

    let human = against(&sb, &["orgs"]).await.ok();
    assert!(
        human.stdout.starts_with("ORGANIZATION ID"),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains(&org.organization_id));
    let json = against(&sb, &["orgs", "--json"]).await.ok().json_lines();
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["organization_id"], org.organization_id.as_str());

    // The only organization is the default.
    let human = against(&sb, &["devices"]).await.ok();
    let lines: Vec<&str> = human.stdout.lines().collect();
    assert!(lines[0].starts_with("ORB ID") && lines[0].contains("SCORE"));
    assert_eq!(lines.len(), 1 + 6 + 1, "{}", human.stdout);
    assert!(lines[7].starts_with("6 devices"));
    // Sorted by score, best first.
    let json = against(&sb, &["devices", "--json"]).await.ok().json_lines();
    let scores: Vec<i64> = json
        .iter()
        .map(|d| d["summary"]["orb_score"]["display"].as_i64().unwrap_or(-1))
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let by_name = against(&sb, &["devices", "--json", "--sort", "name", "--connected"])
        .await
        .ok()
        .json_lines();
    let names: Vec<&str> = by_name
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(by_name
        .iter()
        .all(|d| d["is_connected"] == 1 || d["is_connected"] == true));
    let connected = org.devices.iter().filter(|d| d.is_connected).count();
    assert_eq!(by_name.len(), connected);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_does_not_decode_is_left_out_with_a_warning() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([{"organization_id": "o1", "name": "One"}])),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/o1/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"orb_id": "good1", "name": "a", "is_connected": 1},
            {"orb_id": "bad", "name": "b", "is_connected": "maybe"},
            {"orb_id": "good2", "name": "c", "is_connected": 0},
        ])))
        .mount(&server)
        .await;
    let uri = server.uri();
    let r = run(
        args(&[
            "--base-url",
            &uri,
            "--api-key",
            KEY,
            "devices",
            "--org",
            "o1",
            "--json",
            "--sort",
            "name",
        ]),
        vec![],
    )
    .await
    .ok();
    let ids: Vec<Value> = r.json_lines().iter().map(|d| d["orb_id"].clone()).collect();
    assert_eq!(ids, ["good1", "good2"]);
    assert!(
        r.stderr
            .contains("warning: organization \"o1\": element 1 (bad) was left out:"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("is_connected"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_organizations_need_org() {
    let sb = sandbox(2).await;
    let r = against(&sb, &["devices"]).await.fails();
    assert!(r.stderr.contains("--org"), "{}", r.stderr);
    let org = sb.fleet().organizations[1].organization_id.clone();
    let r = against(&sb, &["devices", "--org", &org, "--json"])
        .await
        .ok();
    assert_eq!(r.json_lines().len(), 6);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_config_and_speedtest() {
    let sb = sandbox(1).await;
    let device = sb.fleet().organizations[0].devices[0].clone();
    let id = device.orb_id.as_str();

    let human = against(&sb, &["device", id]).await.ok();
    assert!(human.stdout.contains(&device.name));
    assert!(human.stdout.contains("Orb Score"));
    assert!(human.stdout.contains("responsiveness_score"));
    let json = against(&sb, &["device", id, "--json"])
        .await
        .ok()
        .json_lines();
    assert_eq!(json[0]["orb_id"], id);

    let r = against(&sb, &["device", "nosuchdevice"]).await.fails();
    assert!(
        r.stderr.contains("no device \"nosuchdevice\""),
        "{}",
        r.stderr
    );

    // Patch, then get in another process: the change is real.
    let patched = against(
        &sb,
        &[
            "config",
            "patch",
            id,
            "datasets.push=scores_1m",
            "datasets.push=format=json",
            "datasets.push=url=http://collector.example:7081/ingest",
        ],
    )
    .await
    .ok();
    assert!(
        patched.stdout.contains("patched 1 key(s)"),
        "{}",
        patched.stdout
    );
    let got = against(&sb, &["config", "get", id, "--json"])
        .await
        .ok()
        .json_lines();
    assert_eq!(
        got[0]["config"]["datasets.push"],
        serde_json::json!([
            "scores_1m",
            "format=json",
            "url=http://collector.example:7081/ingest"
        ])
    );
    let human = against(&sb, &["config", "get", id]).await.ok();
    assert!(human.stdout.contains("datasets.push"));
    assert!(human.stdout.contains("scores_1m, format=json"));
    let reset = against(&sb, &["config", "reset", id, "--json"])
        .await
        .ok()
        .json_lines();
    assert!(
        reset[0]["config"].get("datasets.push").is_none()
            || reset[0]["config"]["datasets.push"] != got[0]["config"]["datasets.push"]
    );
    let r = against(&sb, &["config", "patch", id, "no-equals-sign"])
        .await
        .fails();
    assert!(r.stderr.contains("KEY=VALUE"));

    let human = against(&sb, &["speedtest", id, "--kind", "top"]).await.ok();
    assert!(
        human.stdout.contains("top speed test started"),
        "{}",
        human.stdout
    );
    // Right after, the first test is still running: nothing started, and the exit says so
    // (Orb answers `test_uuid: ""` beside the running test's id).
    let busy = against(&sb, &["speedtest", id, "--json"]).await.fails();
    assert_eq!(busy.code, 1);
    assert!(busy.stderr.contains("already running"), "{}", busy.stderr);
    let json = busy.json_lines();
    assert_eq!(json[0]["kind"], "content");
    assert_eq!(json[0]["answer"]["test_uuid"], "");
    // The kinds are listed in help and checked by the parser (exit 2); `peak` is an alias.
    let r = against(&sb, &["speedtest", id, "--kind", "fastest"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("fastest"), "{}", r.stderr);
    assert!(
        r.stderr.contains("possible values: content, top"),
        "{}",
        r.stderr
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_errors_are_plain_sentences() {
    // No key at all.
    let r = run(args(&["devices"]), vec![]).await.fails();
    assert!(r.stderr.contains("ORB_CLOUD_API_KEY"), "{}", r.stderr);
    assert!(r.stderr.contains("--sandbox"));
    // A wrong key: 401, and the key itself is never printed.
    let sb = sandbox(1).await;
    let r = run(
        args(&[
            "--base-url",
            &sb.base_url(),
            "--api-key",
            "orb-ok1-wrong-secret",
            "orgs",
        ]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("401"), "{}", r.stderr);
    assert!(!r.stderr.contains("wrong-secret"));
    sb.shutdown().await.unwrap();
    // Nothing listening: a transport error, not a panic.
    let r = run(
        args(&["--base-url", "http://127.0.0.1:9", "--api-key", KEY, "orgs"]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("127.0.0.1:9"), "{}", r.stderr);
    // Usage errors from clap exit 2.
    let r = run(args(&["devices", "--sort", "colour"]), vec![]).await;
    assert_eq!(r.code, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_on_the_sandbox_in_both_modes() {
    let r = run(
        args(&["--sandbox", "devices", "--json", "--connected"]),
        vec![],
    )
    .await
    .ok();
    let id = r.json_lines()[0]["orb_id"].as_str().unwrap().to_owned();

    let human = run(
        args(&[
            "--sandbox",
            "stream",
            &id,
            "--datasets",
            "responsiveness_1s,scores_1s",
            "--duration",
            "3s",
            "--interval",
            "200ms",
        ]),
        vec![],
    )
    .await
    .ok();
    assert!(human.stdout.contains("responsiveness"), "{}", human.stdout);
    assert!(human.stdout.contains("lag "));
    assert!(human.stderr.contains("records ("), "{}", human.stderr);

    let json = run(
        args(&[
            "--sandbox",
            "--json",
            "stream",
            &id,
            "--datasets",
            "responsiveness_1s",
            "--duration",
            "3s",
            "--interval",
            "200ms",
        ]),
        vec![],
    )
    .await
    .ok();
    let records = json.json_lines();
    assert!(records.len() >= 2, "{}", json.stdout);
    assert!(records
        .iter()
        .all(|r| r["orb_id"] == id.as_str() && r["dataset"] == "responsiveness"));

    // Bad duration: refused before anything starts.
    let r = run(
        args(&[
            "--sandbox",
            "stream",
            &id,
            "--datasets",
            "scores_1m",
            "--duration",
            "5 minutes",
        ]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("--duration"), "{}", r.stderr);
    // Without the sandbox a public URL is required.
    let r = run(
        args(&["--api-key", KEY, "stream", &id, "--datasets", "scores_1m"]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("--public-url"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_prints_what_devices_push() {
    let token = "cli-test-token-0123456789";
    for json in [false, true] {
        let mut cmd = orb();
        cmd.args([
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--token",
            token,
            "--count",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        // The token the user gave is not printed: the URL shows where it goes.
        let shown = first.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(
            shown.starts_with("http://127.0.0.1:") && shown.ends_with("/push/<your-token>"),
            "{first}"
        );
        assert!(!first.contains(token), "{first}");
        let url = format!("{}/{token}", shown.trim_end_matches("/<your-token>"));
        let http = reqwest::Client::new();
        let wrong = url.replace(token, "not-the-token-0123456789");
        let r = http.post(&wrong).body("{}").send().await.unwrap();
        assert_eq!(r.status(), 404);
        let body = (0..3)
            .map(|i| {
                format!(
                    r#"{{"orb_id":"o1","dataset":"speed","timestamp":{i},"download_kbps":{}}}"#,
                    1000 * (i + 1)
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let r = http.post(&url).body(body).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let out = tokio::task::spawn_blocking(move || child.wait_with_output())
            .await
            .unwrap()
            .unwrap();
        assert!(out.status.success());
        let rest = String::from_utf8(out.stderr).unwrap();
        let mut more = String::new();
        while stderr.read_line(&mut more).unwrap_or(0) > 0 {}
        assert!(!rest.contains(token) && !more.contains(token), "{more}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        if json {
            let lines: Vec<Value> = stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(lines.len(), 3);
            assert_eq!(lines[2]["download_kbps"], 3000);
        } else {
            assert_eq!(stdout.lines().count(), 3, "{stdout}");
            assert!(stdout.contains("download 3.0 Mbps"), "{stdout}");
        }
    }
    // A short token is refused with a sentence.
    let r = run(
        args(&["listen", "--listen", "127.0.0.1:0", "--token", "short"]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("at least 16"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_walks_through_everything_and_ends() {
    let human = run(args(&["demo"]), vec![]).await.ok();
    for part in [
        "1. Organizations",
        "2. Devices and their Orb Scores",
        "3. Live records",
        "4. Summary",
        "none lost",
    ] {
        assert!(
            human.stdout.contains(part),
            "missing {part:?}:\n{}",
            human.stdout
        );
    }
    let json = run(args(&["demo", "--json"]), vec![])
        .await
        .ok()
        .json_lines();
    let summary = json.last().unwrap();
    assert_eq!(summary["step"], "summary");
    assert!(summary["records"].as_u64().unwrap() >= 3, "{summary}");
    assert_eq!(summary["records"], summary["accepted_by_receiver"]);
    assert!(
        json.iter().any(|l| l["dataset"] == "speed"),
        "the speed test result arrives"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_text_cannot_drive_the_terminal() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let hostile = "Evil\u{1b}[2J\u{1b}]0;pwned\u{7}Org";
    Mock::given(path("/api/v2/organizations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"organization_id": "o1", "name": hostile},
            {"organization_id": "o2", "name": "Two"},
        ])))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/o1/devices"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"orb_id": "d\u{1b}[31m1", "name": hostile, "is_connected": 1},
        ])))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/organization/o2/devices"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string("\u{1b}]0;title\u{7}\u{1b}[2J broken"),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let base = ["--base-url", &uri, "--api-key", KEY];
    for command in [&["orgs"][..], &["devices", "--org", "o1"]] {
        let r = run(args(&[&base[..], command].concat()), vec![]).await.ok();
        assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
        assert!(r.stdout.contains("Evil\\u{1b}[2J"), "{}", r.stdout);
        // --json is for programs: the data exactly, JSON-escaped.
        let r = run(args(&[&base[..], command, &["--json"]].concat()), vec![])
            .await
            .ok();
        assert!(!r.stdout.contains('\u{1b}'), "{:?}", r.stdout);
        assert!(r.json_lines()[0]["name"] == hostile);
    }
    let r = run(
        args(&[&base[..], &["devices", "--org", "o2"]].concat()),
        vec![],
    )
    .await
    .fails();
    assert!(!r.stderr.contains('\u{1b}'), "{:?}", r.stderr);
    assert!(r.stderr.contains("broken"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_serves_https_with_a_certificate() {
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".into()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let dir = std::env::temp_dir().join(format!("orb-cli-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_file, key_file) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_file, cert.pem()).unwrap();
    std::fs::write(&key_file, key.serialize_pem()).unwrap();

    let mut child = orb()
        .args([
            "listen",
            "--listen",
            "127.0.0.1:0",
            "--count",
            "1",
            "--tls-cert",
        ])
        .arg(&cert_file)
        .arg("--tls-key")
        .arg(&key_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let url = first.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{first}");
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap()])
        .build()
        .unwrap();
    let record = r#"{"orb_id":"o1","dataset":"speed","timestamp":1,"download_kbps":1000}"#;
    let r = http.post(&url).body(record).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("download 1.0 Mbps"));

    // A key that is not PEM: a sentence naming the flags.
    std::fs::write(&key_file, "not a key").unwrap();
    let r = run(
        vec![
            "listen".into(),
            "--listen".into(),
            "127.0.0.1:0".into(),
            "--tls-cert".into(),
            cert_file.display().to_string(),
            "--tls-key".into(),
            key_file.display().to_string(),
        ],
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("--tls-key"), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_public_url_needs_a_certificate_or_a_proxy() {
    let sb = sandbox(1).await;
    let orb_id = sb.fleet().organizations[0].devices[0].orb_id.clone();
    let r = against(
        &sb,
        &[
            "stream",
            &orb_id,
            "--datasets",
            "responsiveness_1s",
            "--duration",
            "2s",
            "--public-url",
            "https://127.0.0.1:0",
            "--listen",
            "127.0.0.1:0",
        ],
    )
    .await
    .fails();
    assert!(r.stderr.contains("https://"), "{}", r.stderr);
    assert!(r.stderr.contains("certificate"), "{}", r.stderr);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mistakes_in_arguments_are_refused_before_anything_is_sent() {
    // A misspelled dataset: exit 2, the nearest known name suggested.
    let r = run(
        args(&[
            "--sandbox",
            "stream",
            "some-orb",
            "--datasets",
            "responsivness_1s",
            "--duration",
            "3s",
        ]),
        vec![],
    )
    .await
    .fails();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean \"responsiveness_1s\"?"),
        "{}",
        r.stderr
    );
    // No dataset at all.
    let r = run(
        args(&["--sandbox", "stream", "some-orb", "--datasets", ""]),
        vec![],
    )
    .await
    .fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--datasets"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_dataset_can_be_sent_on_purpose() {
    let r = run(
        args(&["--sandbox", "devices", "--json", "--connected"]),
        vec![],
    )
    .await
    .ok();
    let id = r.json_lines()[0]["orb_id"].as_str().unwrap().to_owned();
    // The sandbox's device pushes nothing for a dataset it does not know: the flag gets past the
    // check, and the empty result is an error that says why, not a silent success.
    let r = run(
        args(&[
            "--sandbox",
            "stream",
            &id,
            "--datasets",
            "tomorrows_dataset_1s",
            "--allow-unknown-datasets",
            "--duration",
            "2s",
            "--interval",
            "200ms",
        ]),
        vec![],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .lines()
            .last()
            .unwrap()
            .starts_with("error: no records arrived"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_device_is_an_error_not_zero_records() {
    let r = run(args(&["--sandbox", "devices", "--json"]), vec![])
        .await
        .ok();
    let offline = r
        .json_lines()
        .into_iter()
        .find(|d| d["is_connected"] == 0 || d["is_connected"] == false)
        .expect("the sandbox fleet has an offline device");
    let id = offline["orb_id"].as_str().unwrap().to_owned();
    let r = run(
        args(&[
            "--sandbox",
            "stream",
            &id,
            "--datasets",
            "responsiveness_1s",
            "--duration",
            "2s",
            "--interval",
            "200ms",
        ]),
        vec![],
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let last = r.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: no records arrived"),
        "{}",
        r.stderr
    );
    assert!(last.contains("offline"), "{}", r.stderr);
}

#[test]
fn a_full_disk_is_an_error_and_a_closed_pipe_is_not() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = orb()
        .args(["--sandbox", "devices", "--json"])
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("could not write the output"), "{stderr}");
    assert!(stderr.contains("No space left"), "{stderr}");

    // `orb devices | head -c 1`: the reader goes away; orb ends quietly.
    let mut child = orb()
        .args(["--sandbox", "devices", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_device_and_exits_130() {
    let r = run(
        args(&["--sandbox", "devices", "--json", "--connected"]),
        vec![],
    )
    .await
    .ok();
    let id = r.json_lines()[0]["orb_id"].as_str().unwrap().to_owned();
    let mut child = orb()
        .args([
            "--sandbox",
            "stream",
            &id,
            "--datasets",
            "responsiveness_1s",
            "--duration",
            "10m",
            "--interval",
            "200ms",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first record line, then interrupt.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("responsiveness"), "{line}");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_patch_checks_keys_and_values_before_sending() {
    let sb = sandbox(1).await;
    let id = sb.fleet().organizations[0].devices[0].orb_id.clone();
    let id = id.as_str();
    for (pair, expect) in [
        ("foo=", "unknown configuration key \"foo\""),
        ("a b=c", "unknown configuration key"),
        ("totally.unknown.key=1", "did you mean"),
        (
            "orb.identifiable_level=bogusvalue",
            "one of none, minimal, full",
        ),
        ("datasets.cloud_push=", "--remove datasets.cloud_push"),
        ("datasets.push=format=xml", "format=xml"),
        (
            "datasets.push=responsivness_1s",
            "did you mean \"responsiveness_1s\"",
        ),
    ] {
        let r = against(&sb, &["config", "patch", id, pair]).await.fails();
        assert_eq!(r.code, 2, "{pair}: {}", r.stderr);
        assert!(r.stderr.contains(expect), "{pair}: {}", r.stderr);
    }
    let before = against(&sb, &["config", "get", id, "--json"])
        .await
        .ok()
        .json_lines();
    // A dry run sends nothing.
    let dry = against(
        &sb,
        &[
            "config",
            "patch",
            id,
            "orb.identifiable_level=minimal",
            "--dry-run",
            "--json",
        ],
    )
    .await
    .ok()
    .json_lines();
    assert_eq!(dry[0]["sent"], false);
    assert_eq!(dry[0]["patch"]["orb.identifiable_level"][0], "minimal");
    let after = against(&sb, &["config", "get", id, "--json"])
        .await
        .ok()
        .json_lines();
    assert_eq!(before, after);
    // Newer keys go through with --force; a key is cleared with --remove.
    against(
        &sb,
        &["config", "patch", id, "collectors.future.knob=1", "--force"],
    )
    .await
    .ok();
    let r = against(
        &sb,
        &[
            "config",
            "patch",
            id,
            "--remove",
            "datasets.cloud_push",
            "--json",
        ],
    )
    .await
    .ok();
    assert!(r.stdout.contains("datasets.cloud_push"), "{}", r.stdout);
    // The known keys, without a key or a connection.
    let keys = run(args(&["config", "keys", "--json"]), vec![]).await.ok();
    let names: Vec<String> = keys
        .json_lines()
        .iter()
        .map(|k| k["key"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"datasets.push".to_owned()), "{names:?}");
    assert!(names.contains(&"orb.identifiable_level".to_owned()));
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_json_shape_per_kind_and_global_settings_checked() {
    let sb = sandbox(1).await;
    let listed = against(&sb, &["devices", "--json"]).await.ok().json_lines();
    let id = listed[0]["orb_id"].as_str().unwrap().to_owned();
    let one = against(&sb, &["device", &id, "--json"])
        .await
        .ok()
        .json_lines();
    // `orb device --json` is the same object as its line in `orb devices --json`.
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&one[0]), keys(&listed[0]));
    assert_eq!(one[0]["orb_id"], listed[0]["orb_id"]);

    // --sandbox with --base-url: refused, not ignored.
    let r = run(
        args(&["--sandbox", "--base-url", "http://127.0.0.1:9", "orgs"]),
        vec![],
    )
    .await
    .fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--base-url"), "{}", r.stderr);
    // --timeout takes a duration.
    let r = against(&sb, &["--timeout", "soon", "orgs"]).await.fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
    // The help shows no dangling `=` for unset variables.
    let help = run(args(&["--help"]), vec![]).await.ok();
    assert!(
        !help.stdout.contains("ORB_CLOUD_BASE_URL=]"),
        "{}",
        help.stdout
    );
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_gets_progress_lines_and_the_timeout_flag_works() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!([]))
                .set_delay(Duration::from_secs(4)),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    // Not a terminal: a plain progress line after 2 s.
    let r = run(
        args(&["--base-url", &uri, "--api-key", KEY, "orgs", "--json"]),
        vec![],
    )
    .await
    .ok();
    assert!(
        r.stderr.contains("orb: still listing organizations"),
        "{}",
        r.stderr
    );
    // --quiet: none.
    let r = run(
        args(&[
            "--base-url",
            &uri,
            "--api-key",
            KEY,
            "--quiet",
            "orgs",
            "--json",
        ]),
        vec![],
    )
    .await
    .ok();
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    // --timeout 1s --retries 0: one attempt, a timeout error in a second.
    let started = std::time::Instant::now();
    let r = run(
        args(&[
            "--base-url",
            &uri,
            "--api-key",
            KEY,
            "--timeout",
            "1s",
            "--retries",
            "0",
            "--quiet",
            "orgs",
        ]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("no answer within 1s"), "{}", r.stderr);
    assert!(r.stderr.contains("--timeout"), "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_after_retries_says_how_many_attempts_were_made() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/organizations"))
        .respond_with(
            ResponseTemplate::new(503)
                .set_body_json(serde_json::json!({"message": "down for maintenance"})),
        )
        .mount(&server)
        .await;
    let uri = server.uri();
    let r = run(
        args(&[
            "--base-url",
            &uri,
            "--api-key",
            KEY,
            "--retries",
            "2",
            "--quiet",
            "orgs",
        ]),
        vec![],
    )
    .await
    .fails();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 503"), "{}", r.stderr);
    assert!(r.stderr.contains("down for maintenance"), "{}", r.stderr);
    assert!(r.stderr.contains("after 3 attempts"), "{}", r.stderr);
    assert!(r.stderr.contains("--retries"), "{}", r.stderr);
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        3
    );
    // No retries: the message does not claim any.
    let r = run(
        args(&[
            "--base-url",
            &uri,
            "--api-key",
            KEY,
            "--retries",
            "0",
            "orgs",
        ]),
        vec![],
    )
    .await
    .fails();
    assert!(!r.stderr.contains("attempts"), "{}", r.stderr);
    // A server that is not there: the connection failures were retried, and it says so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let r = run(
        args(&[
            "--base-url",
            &dead,
            "--api-key",
            KEY,
            "--retries",
            "1",
            "orgs",
        ]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("(2 attempts)"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_takes_host_names_and_says_how_to_point_devices_at_it() {
    let r = run(
        args(&["listen", "--listen", "localhost:0", "--count", "0"]),
        vec![],
    )
    .await
    .ok();
    assert!(
        r.stderr
            .contains("listening: devices POST to http://127.0.0.1:"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("orb config patch ORB_ID datasets.push=url="),
        "{}",
        r.stderr
    );
    let r = run(args(&["listen", "--listen", "7081"]), vec![])
        .await
        .fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("HOST:PORT"), "{}", r.stderr);
    // The flag, not the library's API, in the advice.
    let r = run(args(&["listen", "--token", "short"]), vec![])
        .await
        .fails();
    assert!(
        r.stderr.contains("--token") && !r.stderr.contains("PushToken"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_and_fields_in_every_format() {
    let sb = sandbox(1).await;
    // CSV: a header and one record per device, every row as wide as the header.
    let csv = against(&sb, &["devices", "--format", "csv"]).await.ok();
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "orb_id");
    assert!(headers.iter().any(|h| h == "score"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let json = against(&sb, &["devices", "--json"]).await.ok().json_lines();
    assert_eq!(rows.len(), json.len());
    assert!(rows.iter().all(|r| r.len() == headers.len()));
    // --fields chooses columns in CSV, JSON and tables alike.
    let chosen = against(
        &sb,
        &["devices", "--format", "csv", "--fields", "name,score,isp"],
    )
    .await
    .ok();
    assert!(
        chosen.stdout.starts_with("name,score,isp\n"),
        "{}",
        chosen.stdout
    );
    let lines = against(&sb, &["devices", "--json", "--fields", "name,score"])
        .await
        .ok()
        .json_lines();
    for line in &lines {
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "score"]);
    }
    let table = against(&sb, &["devices", "--fields", "name,isp"])
        .await
        .ok();
    assert!(table.stdout.starts_with("NAME"), "{}", table.stdout);
    assert!(!table.stdout.contains("SCORE"), "{}", table.stdout);
    // An unknown field names the ones there are; CSV of a non-listing is refused.
    let r = against(&sb, &["devices", "--fields", "nmae"]).await.fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("orb_id, name"), "{}", r.stderr);
    let r = against(&sb, &["orgs", "--format", "csv"]).await.ok();
    assert!(r.stdout.starts_with("organization_id,name,description\n"));
    let r = run(
        args(&["--sandbox", "--format", "csv", "speedtest", "x"]),
        vec![],
    )
    .await
    .fails();
    assert!(r.stderr.contains("listings"), "{}", r.stderr);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_man_page_and_version() {
    for shell in ["bash", "zsh", "fish"] {
        let r = run(args(&["completions", shell]), vec![]).await.ok();
        assert!(r.stdout.contains("orb"), "{shell}");
        assert!(r.stdout.contains("devices"), "{shell}: {}", r.stdout);
        assert!(r.stdout.contains("--fields"), "{shell}");
    }
    let man = run(args(&["man"]), vec![]).await.ok();
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH orb"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    let version = run(args(&["--version"]), vec![]).await.ok();
    assert!(version.stdout.starts_with("orb 0."), "{}", version.stdout);
    // Built from this checkout: the commit is named.
    assert!(version.stdout.contains("(commit "), "{}", version.stdout);
    // Every command's help has examples.
    for command in [
        &["orgs"][..],
        &["devices"],
        &["device"],
        &["config"],
        &["config", "get"],
        &["config", "patch"],
        &["config", "reset"],
        &["config", "keys"],
        &["speedtest"],
        &["stream"],
        &["listen"],
        &["demo"],
    ] {
        let help = run(args(&[command, &["--help"]].concat()), vec![])
            .await
            .ok();
        assert!(
            help.stdout.contains("Examples:"),
            "{command:?}: {}",
            help.stdout
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_takes_a_name_as_well_as_an_id() {
    let sb = sandbox(2).await;
    let orgs = against(&sb, &["orgs", "--json"]).await.ok().json_lines();
    let id = orgs[0]["organization_id"].as_str().unwrap().to_owned();
    let name = orgs[0]["name"].as_str().unwrap().to_owned();
    let by_id = against(&sb, &["devices", "--org", &id, "--json"])
        .await
        .ok();
    let by_name = against(&sb, &["devices", "--org", &name.to_uppercase(), "--json"])
        .await
        .ok();
    assert_eq!(by_id.stdout, by_name.stdout);
    let r = against(&sb, &["devices", "--org", "no such org"])
        .await
        .fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(&id), "{}", r.stderr);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_give_the_key_and_base_url_and_a_command_can_give_the_key() {
    let sb = sandbox(1).await;
    let dir = std::env::temp_dir().join(format!("orb-cli-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.default]\napi_key_command = \"echo {KEY}\"\nbase_url = \"{}\"\n\n\
             [profiles.broken]\napi_key_command = \"echo leaked-secret; exit 3\"\nbase_url = \"{0}\"\n",
            sb.base_url()
        ),
    )
    .unwrap();
    let env = || vec![("ORB_CONFIG", config.display().to_string())];
    let r = run(args(&["orgs", "--json"]), env()).await.ok();
    assert_eq!(r.json_lines().len(), 1);
    let r = run(args(&["--profile", "broken", "orgs"]), env())
        .await
        .fails();
    assert!(r.stderr.contains("api_key_command failed"), "{}", r.stderr);
    assert!(!r.stderr.contains("leaked-secret"), "{}", r.stderr);
    let r = run(args(&["--profile", "nope", "orgs"]), env())
        .await
        .fails();
    assert!(
        r.stderr.contains("default, broken") || r.stderr.contains("broken, default"),
        "{}",
        r.stderr
    );
    let _ = std::fs::remove_dir_all(&dir);
    sb.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speedtest_wait_prints_the_result() {
    let r = run(
        args(&["--sandbox", "devices", "--json", "--connected"]),
        vec![],
    )
    .await
    .ok();
    let id = r.json_lines()[0]["orb_id"].as_str().unwrap().to_owned();
    let r = run(
        args(&[
            "--sandbox",
            "speedtest",
            &id,
            "--wait",
            "--wait-for",
            "60s",
            "--json",
        ]),
        vec![],
    )
    .await
    .ok();
    let lines = r.json_lines();
    assert_eq!(lines.len(), 1, "{}", r.stdout);
    assert!(
        lines[0]["result"]["download_kbps"].as_i64().unwrap() > 0,
        "{}",
        r.stdout
    );
    // Without a way back for the record: a usage error before anything is sent.
    let r = run(
        args(&[
            "--api-key",
            KEY,
            "--base-url",
            "http://127.0.0.1:9",
            "speedtest",
            &id,
            "--wait",
        ]),
        vec![],
    )
    .await
    .fails();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--public-url"), "{}", r.stderr);
}
