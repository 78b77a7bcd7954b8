//! No output format repeats a secret tenken found: findings name the kind
//! of secret and where it is, and code frames and snippets mask the value.
#![allow(clippy::unwrap_used)]

mod common;

/// Fake secrets, written into configs of several kinds below. Each is
/// assembled at run time, so this source file holds none of them whole.
fn secrets() -> Vec<String> {
    vec![
        format!("p8Xq2!vLz9{}", "#Rk4mW"),
        format!("AKIA{}", "Z3MBB5TQ7WP4D2LK"),
        format!("ghp_{}", "FAKE".repeat(9)),
        format!("Zk3p9QvX{}", "2mL8rT6wY1aB"),
        format!("hunter2-{}", "in-a-manifest"),
        format!("glvar-{}", "not-a-real-secret-9"),
    ]
}

fn write_configs(dir: &std::path::Path) {
    let s = secrets();
    let files = [
        ("app/config.yaml", format!("database:\n  password: \"{}\"\ncloud:\n  key: {}\n", s[0], s[1])),
        (
            ".github/workflows/ci.yml",
            format!(
                "on: push\npermissions: {{contents: read}}\njobs:\n  build:\n    runs-on: ubuntu-24.04\n    timeout-minutes: 5\n    env:\n      API_TOKEN: {}\n    steps:\n      - run: make\n",
                s[2]
            ),
        ),
        (".env.production", format!("SESSION_SECRET={}\nAPI_KEY={}\n", s[3], s[0])),
        (
            "k8s/app.yaml",
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: app}}\nspec:\n  containers:\n    - name: app\n      image: app:1.0.0\n      env:\n        - name: DB_PASSWORD\n          value: {}\n",
                s[4]
            ),
        ),
        (".gitlab-ci.yml", format!("variables:\n  DEPLOY_TOKEN: {}\ntest:\n  script: [make]\n", s[5])),
        ("Dockerfile", format!("FROM alpine:3.20\nENV DB_PASSWORD={}\nUSER 1000\n", s[0])),
        ("infra/terraform.tfvars", format!("deploy_key = \"{}\"\n", s[1])),
    ];
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

#[test]
fn no_output_format_contains_a_secret_value() {
    let dir = tempfile::tempdir().unwrap();
    write_configs(dir.path());
    let cache = common::shared_cache();
    for format in ["text", "concise", "json", "sarif", "junit", "github"] {
        let run = common::tenken_in(dir.path(), &cache, &["check", ".", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for secret in secrets() {
            assert!(!run.stdout.contains(&secret), "{format} output repeats a secret:\n{}", run.stdout);
            assert!(!run.stderr.contains(&secret), "{format} stderr repeats a secret");
        }
        // The findings are there, just without their values.
        let expected = [
            "secrets-hardcoded",
            "k8s-env-secrets",
            "gha-cloud-credentials",
            "gitlab-variable-secrets",
            "dockerfile-no-secrets",
        ];
        for plugin in expected {
            assert!(run.stdout.contains(plugin), "{format} output lacks {plugin}:\n{}", run.stdout);
        }
    }
}
