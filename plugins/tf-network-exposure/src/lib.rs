//! # tf-network-exposure
//!
//! No security group rule lets the whole internet (`0.0.0.0/0`, `::/0`)
//! reach an administration or data port: SSH, RDP, databases, caches,
//! search clusters, message brokers. Rules are found in all three forms:
//! `ingress` blocks of `aws_security_group`, `aws_security_group_rule` with
//! `type = "ingress"`, and `aws_vpc_security_group_ingress_rule`.
//!
//! ## Why it matters
//! Internet-wide scanners find an open port within minutes of it opening.
//! SSH and RDP then face credential stuffing and every unpatched
//! vulnerability; databases, Redis, Elasticsearch and MongoDB exposed this
//! way are the single largest source of public data leaks, often without
//! authentication at all. Administrative access belongs behind a VPN, a
//! bastion or SSM Session Manager, and data stores belong in private
//! subnets, reachable only from the security groups of their clients.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::ports::service_name;
use tenken_sdk::terraform::{Resource, as_u64, resources};
use tenken_sdk::{Category, Document, Findings, PluginInfo, Pointer, Policy, Rule, Severity};

/// The plugin.
pub struct NetworkExposure;

/// Settings, from `[settings.tf-network-exposure]` in `tenken.toml`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Settings {
    /// Ports that must never be reachable from a public CIDR. The default covers SSH, RDP, SMB,
    /// databases, caches, search, brokers, the Docker and etcd APIs and the kubelet.
    #[serde(default = "default_ports")]
    pub ports: Vec<u16>,
    /// CIDRs that count as the whole internet. Add ranges you treat the same way.
    #[serde(default = "default_public_cidrs")]
    pub public_cidrs: Vec<String>,
}

fn default_ports() -> Vec<u16> {
    tenken_sdk::ports::SENSITIVE_PORTS.to_vec()
}

fn default_public_cidrs() -> Vec<String> {
    vec!["0.0.0.0/0".to_owned(), "::/0".to_owned()]
}

/// One ingress rule, whatever form it was written in.
struct Ingress<'a> {
    pointer: Pointer,
    rule: Node<'a>,
    protocol_field: &'static str,
    cidr_fields: &'static [&'static str],
}

fn ingress_rules<'a>(resource: &Resource<'a>) -> Vec<Ingress<'a>> {
    const BLOCK_CIDRS: &[&str] = &["cidr_blocks", "ipv6_cidr_blocks"];
    match resource.kind {
        "aws_security_group" => resource
            .blocks("ingress")
            .into_iter()
            .map(|(pointer, rule)| Ingress { pointer, rule, protocol_field: "protocol", cidr_fields: BLOCK_CIDRS })
            .collect(),
        "aws_security_group_rule" if resource.get("type").and_then(Node::as_str) == Some("ingress") => {
            vec![Ingress {
                pointer: resource.pointer.clone(),
                rule: resource.body,
                protocol_field: "protocol",
                cidr_fields: BLOCK_CIDRS,
            }]
        }
        "aws_vpc_security_group_ingress_rule" => vec![Ingress {
            pointer: resource.pointer.clone(),
            rule: resource.body,
            protocol_field: "ip_protocol",
            cidr_fields: &["cidr_ipv4", "cidr_ipv6"],
        }],
        _ => Vec::new(),
    }
}

/// The ports a rule opens: `None` for every port (protocol `-1`/`all`).
fn port_range(rule: Node<'_>, protocol_field: &str) -> Option<(u64, u64)> {
    let protocol = rule.get(protocol_field).map(|value| match value.shape() {
        Shape::String(text) => text.to_ascii_lowercase(),
        _ => value.to_string(),
    });
    if matches!(protocol.as_deref(), Some("-1" | "all")) {
        return None;
    }
    let from = as_u64(rule.get("from_port")).unwrap_or(0);
    let to = as_u64(rule.get("to_port")).unwrap_or(from);
    Some((from, to))
}

impl Policy for NetworkExposure {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Admin and data ports are not open to the internet",
            "Security group rules never let 0.0.0.0/0 or ::/0 reach SSH, RDP, databases, caches or \
             other administrative and data ports.",
        )
        .kinds(["terraform", "terraform-plan"])
        .rules(vec![
            Rule::new(
                "public-sensitive-port",
                Category::Security,
                Severity::Critical,
                "Do not open admin or data ports to 0.0.0.0/0 or ::/0",
            )
            .rationale(
                "Scanners find open SSH, RDP and database ports within minutes; exposed data stores are the \
                     largest source of public data leaks.",
            )
            .fix(
                "Allow the port only from the security groups (or private ranges) that need it:
```hcl
resource \"aws_vpc_security_group_ingress_rule\" \"db_from_app\" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = \"tcp\"
  from_port                    = 5432
  to_port                      = 5432
}
```
For administration, use SSM Session Manager or a VPN instead of opening SSH or RDP.",
            )
            .references(&[
                "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
                "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13",
            ]),
        ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        for resource in resources(document) {
            for ingress in ingress_rules(&resource) {
                check_ingress(&resource, &ingress, settings, findings);
            }
        }
    }
}

fn check_ingress(resource: &Resource<'_>, ingress: &Ingress<'_>, settings: &Settings, findings: &mut Findings) {
    let exposed: Vec<(Pointer, &str)> = ingress
        .cidr_fields
        .iter()
        .flat_map(|field| match ingress.rule.get(*field).map(Node::shape) {
            Some(Shape::Array(cidrs)) => cidrs
                .iter()
                .enumerate()
                .filter_map(|(index, cidr)| Some((ingress.pointer.key(field).index(index), cidr.as_str()?)))
                .collect::<Vec<_>>(),
            Some(Shape::String(cidr)) => vec![(ingress.pointer.key(field), cidr)],
            _ => Vec::new(),
        })
        .filter(|(_, cidr)| settings.public_cidrs.iter().any(|public| public == cidr))
        .collect();
    let Some((pointer, cidr)) = exposed.first() else { return };
    let range = port_range(ingress.rule, ingress.protocol_field);
    let open: Vec<u16> = settings
        .ports
        .iter()
        .copied()
        .filter(|port| range.is_none_or(|(from, to)| (from..=to).contains(&u64::from(*port))))
        .collect();
    if open.is_empty() {
        return;
    }
    let what = match (range, open.as_slice()) {
        (None, _) => "every port".to_owned(),
        (_, [port]) => format!("port {port} ({})", service_name(*port)),
        (Some((from, to)), ports) => format!("ports {from}-{to}, including {} sensitive ones", ports.len()),
    };
    findings.report("public-sensitive-port", pointer, format!("{} lets {cidr} reach {what}", resource.address()));
}

tenken_sdk::export_policy!(NetworkExposure);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tenken_sdk::check_tree;

    #[test]
    fn all_three_rule_forms_are_checked() {
        let tree = json!({"resource": {
            "aws_security_group": {"db": {"ingress": [
                {"from_port": 5432, "to_port": 5432, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"]},
                {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["0.0.0.0/0"]}]}},
            "aws_security_group_rule": {"all": {"type": "ingress", "protocol": "-1", "from_port": 0, "to_port": 0, "ipv6_cidr_blocks": ["::/0"]}},
            "aws_vpc_security_group_ingress_rule": {"ssh": {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0"}}}});
        let found = check_tree::<NetworkExposure>("terraform", tree);
        let pointers: Vec<&str> = found.iter().map(|(_, pointer, _)| pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/resource/aws_security_group/db/ingress/0/cidr_blocks/1",
                "/resource/aws_security_group_rule/all/ipv6_cidr_blocks/0",
                "/resource/aws_vpc_security_group_ingress_rule/ssh/cidr_ipv4",
            ]
        );
        assert!(found[0].2.contains("port 5432 (PostgreSQL)"), "{}", found[0].2);
        assert!(found[1].2.contains("every port"), "{}", found[1].2);
    }
}
