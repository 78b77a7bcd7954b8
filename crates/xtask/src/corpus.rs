//! A synthetic monorepo of many services, each with the configs a product
//! team keeps: Kubernetes manifests (multi-document, every workload kind),
//! Dockerfiles, compose files, GitHub and GitLab pipelines, Terraform
//! modules and application configs.
//!
//! The mix and the sizes follow the real configs in the shared corpus:
//! about half the files are Kubernetes manifests of 2–8 KB, and most files
//! break a practice or two, as real repositories do. Everything is drawn
//! from one seeded generator, so a seed and a size always give the same
//! bytes, and benchmark runs on different days compare.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The seed the benchmarks and the documented figures use.
pub const DEFAULT_SEED: u64 = 0x7e4e_4e11;

/// What was written, by kind.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The directory written.
    pub root: PathBuf,
    /// Files written, by kind, in a fixed order.
    pub counts: Vec<(&'static str, usize)>,
    /// Total bytes written.
    pub bytes: usize,
}

impl Summary {
    /// Every file written.
    pub fn files(&self) -> usize {
        self.counts.iter().map(|(_, count)| count).sum()
    }

    fn count(&mut self, kind: &'static str, bytes: usize) {
        self.bytes += bytes;
        match self.counts.iter_mut().find(|(name, _)| *name == kind) {
            Some((_, count)) => *count += 1,
            None => self.counts.push((kind, 1)),
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} files, {:.1} MB in {}", self.files(), self.bytes as f64 / 1e6, self.root.display())?;
        for (kind, count) in &self.counts {
            writeln!(f, "  {kind:<12} {count}")?;
        }
        Ok(())
    }
}

/// Writes a corpus of `files` config files under `root`, which is emptied
/// first.
pub fn generate(root: &Path, files: usize, seed: u64) -> anyhow::Result<Summary> {
    if root.exists() {
        std::fs::remove_dir_all(root).with_context(|| format!("cannot empty {}", root.display()))?;
    }
    let mut generator = Generator { rng: fastrand::Rng::with_seed(seed) };
    let mut summary = Summary { root: root.to_owned(), ..Summary::default() };
    let mut service = 0;
    while summary.files() < files {
        let name = generator.service_name(service);
        let dir = root.join(format!("services/{service:05}-{name}"));
        for (path, kind, text) in generator.service(&name) {
            if summary.files() >= files {
                break;
            }
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
            summary.count(kind, text.len());
        }
        service += 1;
    }
    Ok(summary)
}

struct Generator {
    rng: fastrand::Rng,
}

const NOUNS: &[&str] = &[
    "checkout",
    "payments",
    "catalog",
    "search",
    "ledger",
    "billing",
    "identity",
    "inventory",
    "shipping",
    "pricing",
    "reviews",
    "notify",
    "gateway",
    "orders",
    "profile",
    "reports",
    "ingest",
    "media",
    "fraud",
    "loyalty",
];
const LANGUAGES: &[&str] = &["go", "node", "python", "java"];

impl Generator {
    fn chance(&mut self, probability: f64) -> bool {
        self.rng.f64() < probability
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.usize(..items.len())]
    }

    fn service_name(&mut self, index: usize) -> String {
        format!("{}-{}", self.pick(NOUNS), index % 97)
    }

    /// The files of one service: (path, kind, text).
    fn service(&mut self, name: &str) -> Vec<(String, &'static str, String)> {
        let language = self.pick(LANGUAGES);
        let mut files = Vec::new();
        for index in 0..self.rng.usize(1..=4) {
            files.push((format!("deploy/k8s/{name}-{index}.yaml"), "kubernetes", self.kubernetes(name, index)));
        }
        files.push(("Dockerfile".to_owned(), "dockerfile", self.dockerfile(language)));
        if self.chance(0.35) {
            files.push(("docker-compose.yml".to_owned(), "compose", self.compose(name)));
        }
        if self.chance(0.6) {
            files.push((".github/workflows/ci.yml".to_owned(), "workflow", self.workflow(language)));
        } else {
            files.push((".gitlab-ci.yml".to_owned(), "gitlab-ci", self.gitlab_ci(name)));
        }
        if self.chance(0.45) {
            files.push(("infra/main.tf".to_owned(), "terraform", self.terraform(name)));
        }
        if language == "java" {
            files.push(("src/main/resources/application.yml".to_owned(), "spring", self.spring(name)));
        }
        if self.chance(0.2) {
            files.push((".env.production".to_owned(), "dotenv", self.dotenv(name)));
        }
        if self.chance(0.2) {
            files.push(("config/settings.yaml".to_owned(), "app-config", self.settings(name)));
        }
        files
    }

    fn image(&mut self, name: &str) -> String {
        let registry = "registry.example.com/platform";
        match self.rng.u32(..20) {
            0..=13 => {
                format!("{registry}/{name}:{}.{}.{}", self.rng.u32(1..5), self.rng.u32(0..30), self.rng.u32(0..9))
            }
            14..=15 => format!("{registry}/{name}:latest"),
            16..=17 => format!("{registry}/{name}@sha256:{}", self.hex(64)),
            _ => format!("{registry}/{name}"),
        }
    }

    fn hex(&mut self, length: usize) -> String {
        (0..length).map(|_| char::from(b"0123456789abcdef"[self.rng.usize(..16)])).collect()
    }

    fn kubernetes(&mut self, name: &str, index: usize) -> String {
        let mut yaml = String::new();
        let workload = match self.rng.u32(..20) {
            0..=11 => "Deployment",
            12..=14 => "StatefulSet",
            15..=16 => "CronJob",
            17 => "DaemonSet",
            _ => "Job",
        };
        let component = format!("{name}-{index}");
        let replicas = *[1u32, 2, 3, 3, 5].get(self.rng.usize(..5)).unwrap_or(&2);
        yaml.push_str(&self.workload(workload, &component, replicas));
        if matches!(workload, "Deployment" | "StatefulSet") {
            let port = 8080 + self.rng.u32(0..10);
            let _ = write!(
                yaml,
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {component}\n  labels:\n    app.kubernetes.io/name: {component}\nspec:\n  selector:\n    app.kubernetes.io/name: {component}\n  ports:\n    - name: http\n      port: 80\n      targetPort: {port}\n"
            );
            if self.chance(0.4) {
                let _ = write!(
                    yaml,
                    "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {component}\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: {workload}\n    name: {component}\n  minReplicas: {}\n  maxReplicas: {}\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70\n",
                    self.rng.u32(1..4),
                    self.rng.u32(5..20)
                );
            }
            if replicas > 1 && self.chance(0.5) {
                let _ = write!(
                    yaml,
                    "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {component}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {component}\n"
                );
            }
        }
        if self.chance(0.3) {
            let _ = write!(
                yaml,
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {component}-config\ndata:\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"checkout-v2,fast-search\"\n  application.properties: |\n    server.port=8080\n    management.endpoints.web.exposure.include=health,info\n"
            );
        }
        yaml
    }

    fn workload(&mut self, kind: &str, component: &str, replicas: u32) -> String {
        let api = match kind {
            "CronJob" | "Job" => "batch/v1",
            _ => "apps/v1",
        };
        let mut yaml = format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {component}\n  namespace: {}\n  labels:\n    app.kubernetes.io/name: {component}\n    app.kubernetes.io/part-of: shop\n    team: {}\n",
            self.pick(&["shop", "payments", "platform", "data"]),
            self.pick(&["red", "blue", "green", "core"]),
        );
        // The pod template, indented for where it sits.
        let (spec_prefix, indent) = match kind {
            "CronJob" => (
                format!(
                    "spec:\n  schedule: \"{} */{} * * *\"\n  concurrencyPolicy: Forbid\n  jobTemplate:\n    spec:\n      backoffLimit: 3\n      template:\n",
                    self.rng.u32(0..60),
                    self.rng.u32(1..12)
                ),
                8,
            ),
            "Job" => ("spec:\n  backoffLimit: 2\n  template:\n".to_owned(), 4),
            "DaemonSet" => (
                format!(
                    "spec:\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {component}\n  template:\n"
                ),
                4,
            ),
            _ => {
                let mut prefix = format!("spec:\n  replicas: {replicas}\n");
                if kind == "StatefulSet" {
                    let _ = writeln!(prefix, "  serviceName: {component}");
                } else if self.chance(0.7) {
                    let unavailable = self.pick(&["25%", "0", "1", "100%"]);
                    let _ = write!(
                        prefix,
                        "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 25%\n      maxUnavailable: {unavailable}\n"
                    );
                }
                let _ = write!(
                    prefix,
                    "  selector:\n    matchLabels:\n      app.kubernetes.io/name: {component}\n  template:\n"
                );
                (prefix, 4)
            }
        };
        yaml.push_str(&spec_prefix);
        let pod = self.pod(component, kind, replicas);
        for line in pod.lines() {
            let _ = writeln!(yaml, "{:indent$}{line}", "");
        }
        yaml
    }

    fn pod(&mut self, component: &str, kind: &str, replicas: u32) -> String {
        let long_running = !matches!(kind, "CronJob" | "Job");
        let mut yaml = format!(
            "metadata:\n  labels:\n    app.kubernetes.io/name: {component}\n  annotations:\n    prometheus.io/scrape: \"true\"\nspec:\n"
        );
        if !long_running {
            yaml.push_str("  restartPolicy: OnFailure\n");
        }
        if self.chance(0.6) {
            yaml.push_str("  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n    fsGroup: 10001\n");
            if self.chance(0.7) {
                yaml.push_str("    seccompProfile:\n      type: RuntimeDefault\n");
            }
        }
        if self.chance(0.5) {
            yaml.push_str("  automountServiceAccountToken: false\n");
        }
        let _ = writeln!(yaml, "  serviceAccountName: {component}");
        if self.chance(0.6) {
            let _ = writeln!(yaml, "  terminationGracePeriodSeconds: {}", self.pick(&["30", "60", "0", "120"]));
        }
        if kind == "DaemonSet" && self.chance(0.5) {
            yaml.push_str("  hostNetwork: true\n  hostPID: true\n");
        }
        if replicas > 1 && self.chance(0.5) {
            let _ = write!(
                yaml,
                "  topologySpreadConstraints:\n    - maxSkew: 1\n      topologyKey: topology.kubernetes.io/zone\n      whenUnsatisfiable: ScheduleAnyway\n      labelSelector:\n        matchLabels:\n          app.kubernetes.io/name: {component}\n"
            );
        }
        if self.chance(0.3) {
            let _ = write!(
                yaml,
                "  initContainers:\n    - name: migrate\n      image: {}\n      command: [\"/app/migrate\", \"--wait\"]\n",
                self.image("migrate")
            );
        }
        yaml.push_str("  containers:\n");
        for index in 0..self.rng.usize(1..=3) {
            yaml.push_str(&self.container(component, index, long_running));
        }
        yaml.push_str("  volumes:\n    - name: config\n      configMap:\n        name: app-config\n    - name: tmp\n      emptyDir: {}\n");
        if self.chance(0.1) {
            yaml.push_str("    - name: docker\n      hostPath:\n        path: /var/run/docker.sock\n");
        }
        yaml
    }

    fn container(&mut self, component: &str, index: usize, long_running: bool) -> String {
        let name = if index == 0 { component.to_owned() } else { format!("sidecar-{index}") };
        let port = 8080 + index;
        let mut yaml = format!(
            "    - name: {name}\n      image: {}\n      imagePullPolicy: {}\n      args: [\"--port={port}\", \"--log-format=json\"]\n      ports:\n        - containerPort: {port}\n          name: http-{index}\n      env:\n",
            self.image(component),
            self.pick(&["IfNotPresent", "Always", "IfNotPresent"]),
        );
        for variable in 0..self.rng.usize(4..14) {
            let _ = write!(yaml, "        - name: SETTING_{variable}\n          value: \"{}\"\n", self.hex(12));
        }
        if self.chance(0.7) {
            yaml.push_str(
                "        - name: DATABASE_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db\n              key: password\n",
            );
        } else if self.chance(0.3) {
            let _ = write!(yaml, "        - name: API_TOKEN\n          value: \"tok-{}\"\n", self.hex(24));
        }
        if self.chance(0.75) {
            let _ = write!(
                yaml,
                "      resources:\n        requests:\n          cpu: {}m\n          memory: {}Mi\n",
                self.rng.u32(1..10) * 50,
                self.rng.u32(1..16) * 64
            );
            if self.chance(0.8) {
                let _ = write!(yaml, "        limits:\n          memory: {}Mi\n", self.rng.u32(4..32) * 64);
            }
        }
        if long_running && self.chance(0.7) {
            let _ = write!(
                yaml,
                "      readinessProbe:\n        httpGet:\n          path: /ready\n          port: {port}\n        periodSeconds: 5\n"
            );
            if self.chance(0.8) {
                let _ = write!(
                    yaml,
                    "      livenessProbe:\n        httpGet:\n          path: /healthz\n          port: {port}\n        initialDelaySeconds: 10\n        periodSeconds: 10\n"
                );
            }
        }
        if long_running && self.chance(0.4) {
            yaml.push_str(
                "      lifecycle:\n        preStop:\n          exec:\n            command: [\"sleep\", \"5\"]\n",
            );
        }
        if self.chance(0.65) {
            yaml.push_str(
                "      securityContext:\n        allowPrivilegeEscalation: false\n        readOnlyRootFilesystem: true\n        capabilities:\n          drop: [\"ALL\"]\n",
            );
        } else if self.chance(0.2) {
            yaml.push_str("      securityContext:\n        privileged: true\n        capabilities:\n          add: [\"NET_ADMIN\"]\n");
        }
        yaml.push_str("      volumeMounts:\n        - name: config\n          mountPath: /etc/app\n        - name: tmp\n          mountPath: /tmp\n");
        yaml
    }

    fn dockerfile(&mut self, language: &str) -> String {
        let (builder, build, runtime) = match language {
            "go" => ("golang:1.23", "RUN go build -o /out/app ./cmd/app", "gcr.io/distroless/static-debian12"),
            "node" => ("node:20-bookworm", "RUN npm ci && npm run build", "node:20-bookworm-slim"),
            "python" => ("python:3.12", "RUN pip wheel --wheel-dir /out -r requirements.txt", "python:3.12-slim"),
            _ => ("maven:3.9-eclipse-temurin-21", "RUN mvn -q -DskipTests package", "eclipse-temurin:21-jre"),
        };
        let builder = if self.chance(0.1) { builder.split(':').next().unwrap_or(builder) } else { builder };
        let mut text = format!(
            "# syntax=docker/dockerfile:1\nFROM {builder} AS build\nWORKDIR /src\nCOPY . .\n{build}\n\nFROM {runtime}\n"
        );
        if self.chance(0.5) {
            if self.chance(0.6) {
                text.push_str("RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \\\n    && rm -rf /var/lib/apt/lists/*\n");
            } else {
                text.push_str("RUN apt-get update && apt-get upgrade -y && apt-get install -y curl\n");
            }
        }
        if self.chance(0.1) {
            text.push_str("RUN curl -fsSL https://get.example.com/install.sh | sh\n");
        }
        if self.chance(0.1) {
            text.push_str("ENV API_SECRET=s3cr3t-value-that-should-not-be-here\n");
        }
        text.push_str("ENV PORT=8080 LOG_FORMAT=json\nCOPY --from=build /out /app\nEXPOSE 8080\n");
        if self.chance(0.5) {
            text.push_str("HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app/healthcheck\"]\n");
        }
        if self.chance(0.6) {
            text.push_str("USER 10001:10001\n");
        }
        text.push_str("ENTRYPOINT [\"/app/app\"]\n");
        text
    }

    fn compose(&mut self, name: &str) -> String {
        let mut yaml = String::from("services:\n");
        let image = self.image(name);
        let _ = write!(
            yaml,
            "  app:\n    image: {image}\n    ports:\n      - \"8080:8080\"\n    environment:\n      LOG_LEVEL: debug\n      DATABASE_URL: postgres://app@db:5432/app\n"
        );
        if self.chance(0.5) {
            yaml.push_str("    depends_on:\n      db:\n        condition: service_healthy\n");
        } else {
            yaml.push_str("    depends_on:\n      - db\n");
        }
        if self.chance(0.6) {
            yaml.push_str("    restart: unless-stopped\n");
        }
        if self.chance(0.4) {
            yaml.push_str(
                "    deploy:\n      resources:\n        limits:\n          cpus: \"1.0\"\n          memory: 512M\n",
            );
        }
        if self.chance(0.15) {
            yaml.push_str("    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n");
        }
        let postgres = self.pick(&["postgres:16.4", "postgres:16", "postgres", "postgres:latest"]);
        let _ = write!(
            yaml,
            "  db:\n    image: {postgres}\n    environment:\n      POSTGRES_DB: app\n      POSTGRES_PASSWORD_FILE: /run/secrets/db\n"
        );
        if self.chance(0.6) {
            yaml.push_str("    healthcheck:\n      test: [\"CMD\", \"pg_isready\", \"-U\", \"app\"]\n      interval: 5s\n      retries: 10\n");
        }
        yaml.push_str("    restart: always\n");
        if self.chance(0.4) {
            yaml.push_str("  cache:\n    image: redis:7.2-alpine\n    network_mode: host\n");
        }
        yaml
    }

    fn action(&mut self, action: &str, version: &str) -> String {
        if self.chance(0.4) { format!("{action}@{}", self.hex(40)) } else { format!("{action}@{version}") }
    }

    fn workflow(&mut self, language: &str) -> String {
        let trigger = match self.rng.u32(..10) {
            0 => "pull_request_target:\n    types: [opened, synchronize]",
            1..=5 => "pull_request:\n    branches: [main]",
            _ => "push:\n    branches: [main]\n  pull_request:",
        };
        let mut yaml = format!("name: ci\non:\n  {trigger}\n");
        if self.chance(0.5) {
            yaml.push_str("permissions:\n  contents: read\n");
        } else if self.chance(0.1) {
            yaml.push_str("permissions: write-all\n");
        }
        yaml.push_str("jobs:\n");
        let setup = match language {
            "go" => self.action("actions/setup-go", "v5"),
            "node" => self.action("actions/setup-node", "v4"),
            "python" => self.action("actions/setup-python", "v5"),
            _ => self.action("actions/setup-java", "v4"),
        };
        for job in ["test", "lint", "build"].iter().take(self.rng.usize(1..=3)) {
            let _ = write!(yaml, "  {job}:\n    runs-on: ubuntu-latest\n");
            if self.chance(0.5) {
                let _ = writeln!(yaml, "    timeout-minutes: {}", self.rng.u32(5..30));
            }
            let checkout = self.action("actions/checkout", "v4");
            let _ = write!(yaml, "    steps:\n      - uses: {checkout}\n");
            if trigger.starts_with("pull_request_target") && self.chance(0.5) {
                yaml.push_str("        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n");
            }
            let _ = write!(yaml, "      - uses: {setup}\n      - run: make {job}\n");
            if self.chance(0.15) {
                yaml.push_str("      - run: echo \"Testing ${{ github.event.pull_request.title }}\"\n");
            }
            if self.chance(0.2) {
                let cache = self.action("third-party/cache-action", "v2");
                let _ = writeln!(yaml, "      - uses: {cache}");
            }
            if *job == "build" && self.chance(0.3) {
                yaml.push_str("    env:\n      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}\n");
            }
        }
        yaml
    }

    fn gitlab_ci(&mut self, name: &str) -> String {
        let image = self.pick(&["node:20.11", "node:latest", "python:3.12-slim", "golang:1.23", "maven"]);
        let mut yaml = format!("stages: [test, build, deploy]\n\nvariables:\n  SERVICE: {name}\n  LOG_LEVEL: info\n");
        if self.chance(0.15) {
            let _ = writeln!(yaml, "  DEPLOY_TOKEN: \"glpat-{}\"", self.hex(20));
        }
        let _ = write!(yaml, "\ndefault:\n  image: {image}\n");
        if self.chance(0.5) {
            yaml.push_str("  interruptible: true\n");
        }
        for (job, stage) in [("unit-tests", "test"), ("build-image", "build"), ("deploy-prod", "deploy")] {
            let _ = write!(yaml, "\n{job}:\n  stage: {stage}\n  script:\n    - make {stage}\n");
            if self.chance(0.5) {
                let _ = writeln!(yaml, "  timeout: {}m", self.rng.u32(10..60));
            }
        }
        yaml
    }

    fn terraform(&mut self, name: &str) -> String {
        let mut hcl = String::from(
            "terraform {\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"~> 5.0\"\n    }\n  }\n}\n\n",
        );
        if self.chance(0.5) {
            let _ = write!(
                hcl,
                "provider \"aws\" {{\n  region = \"eu-west-1\"\n  default_tags {{\n    tags = {{\n      owner   = \"team-{name}\"\n      service = \"{name}\"\n    }}\n  }}\n}}\n\n"
            );
        }
        let bucket = format!("{name}-artifacts");
        let _ = write!(hcl, "resource \"aws_s3_bucket\" \"artifacts\" {{\n  bucket = \"{bucket}\"\n}}\n\n");
        if self.chance(0.6) {
            hcl.push_str("resource \"aws_s3_bucket_versioning\" \"artifacts\" {\n  bucket = aws_s3_bucket.artifacts.id\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n\n");
        }
        if self.chance(0.6) {
            hcl.push_str("resource \"aws_s3_bucket_server_side_encryption_configuration\" \"artifacts\" {\n  bucket = aws_s3_bucket.artifacts.id\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = \"aws:kms\"\n    }\n  }\n}\n\n");
        }
        if self.chance(0.5) {
            hcl.push_str("resource \"aws_s3_bucket_public_access_block\" \"artifacts\" {\n  bucket                  = aws_s3_bucket.artifacts.id\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = true\n}\n\n");
        }
        let cidr = self.pick(&["10.0.0.0/8", "10.0.0.0/8", "0.0.0.0/0"]);
        let port = self.pick(&["443", "5432", "22", "8080"]);
        let _ = write!(
            hcl,
            "resource \"aws_security_group\" \"app\" {{\n  name   = \"{name}\"\n  vpc_id = var.vpc_id\n\n  ingress {{\n    from_port   = {port}\n    to_port     = {port}\n    protocol    = \"tcp\"\n    cidr_blocks = [\"{cidr}\"]\n  }}\n\n  egress {{\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n}}\n\n"
        );
        if self.chance(0.4) {
            let _ = write!(
                hcl,
                "resource \"aws_db_instance\" \"main\" {{\n  identifier              = \"{name}\"\n  engine                  = \"postgres\"\n  engine_version          = \"16.3\"\n  instance_class          = \"db.t4g.medium\"\n  allocated_storage       = 50\n  backup_retention_period = {}\n  deletion_protection     = {}\n  storage_encrypted       = {}\n  multi_az                = {}\n  username                = \"app\"\n  password                = var.db_password\n}}\n\n",
                self.rng.u32(0..14),
                self.chance(0.6),
                self.chance(0.7),
                self.chance(0.5),
            );
        }
        let action = self.pick(&["\"s3:GetObject\"", "\"s3:*\"", "\"*\""]);
        let _ = write!(
            hcl,
            "resource \"aws_iam_policy\" \"app\" {{\n  name = \"{name}\"\n  policy = jsonencode({{\n    Version = \"2012-10-17\"\n    Statement = [{{\n      Effect   = \"Allow\"\n      Action   = [{action}]\n      Resource = \"*\"\n    }}]\n  }})\n}}\n\nvariable \"vpc_id\" {{\n  type = string\n}}\n\nvariable \"db_password\" {{\n  type      = string\n  sensitive = true\n}}\n"
        );
        hcl
    }

    fn spring(&mut self, name: &str) -> String {
        let exposure = self.pick(&["health,info,prometheus", "\"*\"", "health"]);
        let mut yaml = format!(
            "spring:\n  application:\n    name: {name}\n  datasource:\n    url: jdbc:postgresql://db:5432/{name}\n    username: app\n    password: ${{DB_PASSWORD}}\n"
        );
        if self.chance(0.5) {
            yaml.push_str("    hikari:\n      connection-timeout: 3000\n      maximum-pool-size: 10\n");
        }
        let _ = write!(
            yaml,
            "server:\n  port: 8080\n  shutdown: graceful\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: {exposure}\n"
        );
        if self.chance(0.6) {
            yaml.push_str("  endpoint:\n    health:\n      probes:\n        enabled: true\n");
        }
        if self.chance(0.15) {
            yaml.push_str("debug: true\n");
        }
        yaml
    }

    fn dotenv(&mut self, name: &str) -> String {
        let mut text = format!("SERVICE_NAME={name}\nPORT=8080\nLOG_LEVEL=info\n");
        if self.chance(0.3) {
            text.push_str("NODE_ENV=development\nDEBUG=true\n");
        } else {
            text.push_str("NODE_ENV=production\n");
        }
        if self.chance(0.2) {
            text.push_str("NODE_TLS_REJECT_UNAUTHORIZED=0\n");
        }
        if self.chance(0.2) {
            let _ = writeln!(text, "AWS_ACCESS_KEY_ID=AKIA{}", self.hex(16).to_uppercase());
        }
        text
    }

    fn settings(&mut self, name: &str) -> String {
        let mut yaml = format!(
            "service: {name}\nhttp:\n  timeout: 5s\n  retries: 3\nupstreams:\n  - name: ledger\n    url: https://ledger.internal:8443\n"
        );
        if self.chance(0.3) {
            yaml.push_str("    insecure_skip_verify: true\n");
        }
        yaml.push_str("database:\n  dsn: postgres://app@db:5432/app?sslmode=");
        yaml.push_str(self.pick(&["require", "verify-full", "disable"]));
        yaml.push('\n');
        yaml
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut stack = vec![root.to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let relative = path.strip_prefix(root).unwrap().display().to_string();
                    files.push((relative, std::fs::read(&path).unwrap()));
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn same_seed_same_bytes_and_the_requested_size() {
        let scratch = tempfile::tempdir().unwrap();
        let (first, second) = (scratch.path().join("first"), scratch.path().join("second"));
        let summary = generate(&first, 300, 7).unwrap();
        generate(&second, 300, 7).unwrap();
        assert_eq!(summary.files(), 300);
        assert_eq!(read_tree(&first).len(), 300);
        assert_eq!(read_tree(&first), read_tree(&second));
        // Every kind appears, and Kubernetes is the largest share.
        let kinds: Vec<&str> = summary.counts.iter().map(|(kind, _)| *kind).collect();
        for kind in ["kubernetes", "dockerfile", "compose", "workflow", "gitlab-ci", "terraform", "spring", "dotenv"] {
            assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
        }
        let kubernetes = summary.counts.iter().find(|(kind, _)| *kind == "kubernetes").unwrap().1;
        assert!(kubernetes * 3 > summary.files(), "{summary}");
    }

    #[test]
    fn another_seed_gives_another_corpus() {
        let scratch = tempfile::tempdir().unwrap();
        let (first, second) = (scratch.path().join("a"), scratch.path().join("b"));
        generate(&first, 50, 1).unwrap();
        generate(&second, 50, 2).unwrap();
        assert_ne!(read_tree(&first), read_tree(&second));
    }
}
