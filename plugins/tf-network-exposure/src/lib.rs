//! # tf-network-exposure
//!
//! No firewall rule lets the whole internet reach an administration or data
//! port: SSH, RDP, databases, caches, search clusters, message brokers. On
//! AWS, rules are found in all three forms: `ingress` blocks of
//! `aws_security_group`, `aws_security_group_rule` with `type = "ingress"`,
//! and `aws_vpc_security_group_ingress_rule`, whose CIDRs include a
//! `public-cidrs` entry (by default `0.0.0.0/0` and `::/0`). On GCP,
//! `google_compute_firewall` ingress rules whose `source_ranges` include
//! one. On Azure, inbound `Allow` rules of `azurerm_network_security_group`
//! (`security_rule` blocks) and `azurerm_network_security_rule` whose
//! source is `*`, `Internet`, `Any` or a `public-cidrs` entry. In
//! CloudFormation templates, the `SecurityGroupIngress` rules of
//! `AWS::EC2::SecurityGroup` and `AWS::EC2::SecurityGroupIngress`
//! resources whose `CidrIp` or `CidrIpv6` is a `public-cidrs` entry.
//!
//! ## Why it matters
//! Internet-wide scanners find an open port within minutes of it opening.
//! SSH and RDP then face credential stuffing and every unpatched
//! vulnerability; databases, Redis, Elasticsearch and MongoDB exposed this
//! way are the single largest source of public data leaks, often without
//! authentication at all. Administrative access belongs behind a VPN, a
//! bastion, SSM Session Manager, IAP TCP forwarding or Azure Bastion, and
//! data stores belong in private subnets, reachable only from their
//! clients.

use serde::Deserialize;
use tenken_sdk::Node;
use tenken_sdk::Shape;
use tenken_sdk::cloudformation;
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

/// The ports a rule opens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ports {
    /// Every port (AWS protocol `-1`, GCP `all`, Azure `*`).
    All,
    /// These inclusive ranges.
    Ranges(Vec<(u64, u64)>),
}

/// One rule that lets traffic in, whatever cloud and form it was written
/// in: where its sources are, and the ports it opens.
struct Inbound<'a> {
    /// The rule's arguments.
    rule: Node<'a>,
    pointer: Pointer,
    /// The arguments that hold its sources, each a string or a list.
    source_fields: &'static [&'static str],
    /// Sources that mean "anywhere" besides the configured public CIDRs,
    /// such as Azure's `*` and `Internet`.
    anywhere: &'static [&'static str],
    ports: Ports,
}

fn inbound_rules<'a>(resource: &Resource<'a>) -> Vec<Inbound<'a>> {
    const AWS_BLOCK_CIDRS: &[&str] = &["cidr_blocks", "ipv6_cidr_blocks"];
    let aws = |pointer: Pointer, rule: Node<'a>, protocol_field, source_fields| Inbound {
        rule,
        pointer,
        source_fields,
        anywhere: &[],
        ports: aws_ports(rule, [protocol_field, "from_port", "to_port"]),
    };
    match resource.kind {
        "aws_security_group" => resource
            .blocks("ingress")
            .into_iter()
            .map(|(pointer, rule)| aws(pointer, rule, "protocol", AWS_BLOCK_CIDRS))
            .collect(),
        "aws_security_group_rule" if resource.get("type").and_then(Node::as_str) == Some("ingress") => {
            vec![aws(resource.pointer.clone(), resource.body, "protocol", AWS_BLOCK_CIDRS)]
        }
        "aws_vpc_security_group_ingress_rule" => {
            vec![aws(resource.pointer.clone(), resource.body, "ip_protocol", &["cidr_ipv4", "cidr_ipv6"])]
        }
        "google_compute_firewall" => gcp_firewall(resource).into_iter().collect(),
        "azurerm_network_security_group" => resource
            .blocks("security_rule")
            .into_iter()
            .filter_map(|(pointer, rule)| azure_rule(pointer, rule))
            .collect(),
        "azurerm_network_security_rule" => azure_rule(resource.pointer.clone(), resource.body).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The ports an AWS rule opens: every port for protocol `-1`/`all`.
/// `fields` name its protocol, first and last port.
fn aws_ports(rule: Node<'_>, [protocol_field, from_field, to_field]: [&str; 3]) -> Ports {
    let protocol = rule.get(protocol_field).map(|value| match value.shape() {
        Shape::String(text) => text.to_ascii_lowercase(),
        _ => value.to_string(),
    });
    if matches!(protocol.as_deref(), Some("-1" | "all")) {
        return Ports::All;
    }
    let from = as_u64(rule.get(from_field)).unwrap_or(0);
    let to = as_u64(rule.get(to_field)).unwrap_or(from);
    Ports::Ranges(vec![(from, to)])
}

/// A GCP firewall rule that allows ingress: its `allow` blocks give the
/// ports (`ports` of `"22"` or `"1000-2000"`; none means every port of the
/// protocol). Egress rules, disabled rules and deny rules let nothing in.
fn gcp_firewall<'a>(resource: &Resource<'a>) -> Option<Inbound<'a>> {
    let direction = resource.get("direction").and_then(Node::as_str).unwrap_or("INGRESS");
    let disabled = resource.get("disabled").and_then(Node::as_bool) == Some(true);
    if !direction.eq_ignore_ascii_case("INGRESS") || disabled {
        return None;
    }
    let mut ranges = Vec::new();
    for (_, allow) in resource.blocks("allow") {
        let protocol = allow.get("protocol").and_then(Node::as_str).unwrap_or_default().to_ascii_lowercase();
        if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp" | "all") {
            continue; // ICMP and the like have no ports.
        }
        let ports: Vec<&str> = match allow.get("ports").map(Node::shape) {
            Some(Shape::Array(ports)) => ports.iter().filter_map(Node::as_str).collect(),
            _ => Vec::new(),
        };
        if ports.is_empty() {
            return Some(Inbound {
                rule: resource.body,
                pointer: resource.pointer.clone(),
                source_fields: &["source_ranges"],
                anywhere: &[],
                ports: Ports::All,
            });
        }
        ranges.extend(ports.into_iter().filter_map(parse_port_range));
    }
    (!ranges.is_empty()).then(|| Inbound {
        rule: resource.body,
        pointer: resource.pointer.clone(),
        source_fields: &["source_ranges"],
        anywhere: &[],
        ports: Ports::Ranges(ranges),
    })
}

/// An Azure security rule that allows inbound traffic.
fn azure_rule(pointer: Pointer, rule: Node<'_>) -> Option<Inbound<'_>> {
    let is = |field: &str, expected: &str| {
        rule.get(field).and_then(Node::as_str).is_some_and(|value| value.eq_ignore_ascii_case(expected))
    };
    if !is("direction", "Inbound") || !is("access", "Allow") || is("protocol", "Icmp") {
        return None;
    }
    let mut ports: Vec<&str> = rule.get("destination_port_range").and_then(Node::as_str).into_iter().collect();
    if let Some(Shape::Array(listed)) = rule.get("destination_port_ranges").map(Node::shape) {
        ports.extend(listed.iter().filter_map(Node::as_str));
    }
    let ports = if ports.iter().any(|port| port.trim() == "*") {
        Ports::All
    } else {
        Ports::Ranges(ports.into_iter().filter_map(parse_port_range).collect())
    };
    Some(Inbound {
        rule,
        pointer,
        source_fields: &["source_address_prefix", "source_address_prefixes"],
        anywhere: &["*", "Internet", "Any"],
        ports,
    })
}

/// `"22"` or `"1000-2000"`.
fn parse_port_range(text: &str) -> Option<(u64, u64)> {
    let text = text.trim();
    match text.split_once('-') {
        Some((from, to)) => Some((from.trim().parse().ok()?, to.trim().parse().ok()?)),
        None => text.parse().ok().map(|port| (port, port)),
    }
}

impl Policy for NetworkExposure {
    type Settings = Settings;

    fn info() -> PluginInfo {
        tenken_sdk::plugin_info!(
            "Admin and data ports are not open to the internet",
            "Firewall rules (AWS security groups in Terraform and CloudFormation, GCP firewall rules, Azure network \
             security groups) never let the whole internet reach SSH, RDP, databases, caches or other administrative and data ports.",
        )
        .kinds(["terraform", "terraform-plan", "cloudformation"])
        .rules(vec![
            Rule::new(
                "public-sensitive-port",
                Category::Security,
                Severity::Critical,
                "Do not open admin or data ports to the whole internet",
            )
            .rationale(
                "Scanners find open SSH, RDP and database ports within minutes; exposed data stores are the \
                     largest source of public data leaks.",
            )
            .fix(
                "Allow the port only from the clients that need it. On AWS, from their security group:
```hcl
resource \"aws_vpc_security_group_ingress_rule\" \"db_from_app\" {
  security_group_id            = aws_security_group.db.id
  referenced_security_group_id = aws_security_group.app.id
  ip_protocol                  = \"tcp\"
  from_port                    = 5432
  to_port                      = 5432
}
```
In a CloudFormation template, from the clients' security group:
```yaml
DatabaseIngress:
  Type: AWS::EC2::SecurityGroupIngress
  Properties:
    GroupId: !Ref DatabaseSecurityGroup
    SourceSecurityGroupId: !Ref AppSecurityGroup
    IpProtocol: tcp
    FromPort: 5432
    ToPort: 5432
```
On GCP, from private ranges or the clients' service accounts, and SSH only through IAP TCP forwarding:
```hcl
resource \"google_compute_firewall\" \"ssh_through_iap\" {
  name          = \"allow-ssh-from-iap\"
  network       = google_compute_network.main.id
  source_ranges = [\"35.235.240.0/20\"]
  allow {
    protocol = \"tcp\"
    ports    = [\"22\"]
  }
}
```
On Azure, from a specific prefix or application security group, and administration through Azure Bastion:
```hcl
security_rule {
  name                       = \"postgres-from-app\"
  direction                  = \"Inbound\"
  access                     = \"Allow\"
  protocol                   = \"Tcp\"
  source_address_prefix      = \"10.1.0.0/24\"
  source_port_range          = \"*\"
  destination_address_prefix = \"*\"
  destination_port_range     = \"5432\"
  priority                   = 100
}
```",
            )
            .references(&[
                "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
                "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-13",
                "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-ec2-security-group-ingress.html",
                "https://cloud.google.com/firewall/docs/firewalls",
                "https://cloud.google.com/iap/docs/using-tcp-forwarding",
                "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",
                "https://learn.microsoft.com/azure/bastion/bastion-overview",
            ]),
        ])
    }

    fn check(document: &Document, settings: &Settings, findings: &mut Findings) {
        if document.kind == "cloudformation" {
            for resource in cloudformation::resources(document) {
                for inbound in cloudformation_inbound_rules(&resource) {
                    check_inbound(&resource.describe(), &inbound, settings, findings);
                }
            }
            return;
        }
        for resource in resources(document) {
            for inbound in inbound_rules(&resource) {
                check_inbound(&resource.address(), &inbound, settings, findings);
            }
        }
    }
}

/// The inbound rules of a CloudFormation security group: the
/// `SecurityGroupIngress` list of `AWS::EC2::SecurityGroup`, or an
/// `AWS::EC2::SecurityGroupIngress` resource.
fn cloudformation_inbound_rules<'a>(resource: &cloudformation::Resource<'a>) -> Vec<Inbound<'a>> {
    const CIDRS: &[&str] = &["CidrIp", "CidrIpv6"];
    let inbound = |pointer: Pointer, rule: Node<'a>| Inbound {
        rule,
        pointer,
        source_fields: CIDRS,
        anywhere: &[],
        ports: aws_ports(rule, ["IpProtocol", "FromPort", "ToPort"]),
    };
    match resource.kind {
        "AWS::EC2::SecurityGroup" => {
            let Some(rules) = resource.property("SecurityGroupIngress").and_then(Node::as_array) else {
                return Vec::new();
            };
            let pointer = resource.property_pointer("SecurityGroupIngress");
            rules.iter().enumerate().map(|(index, rule)| inbound(pointer.index(index), rule)).collect()
        }
        "AWS::EC2::SecurityGroupIngress" => match resource.body.get("Properties") {
            Some(rule) => vec![inbound(resource.pointer.key("Properties"), rule)],
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn check_inbound(name: &str, inbound: &Inbound<'_>, settings: &Settings, findings: &mut Findings) {
    let is_public = |source: &str| {
        settings.public_cidrs.iter().any(|public| public == source)
            || inbound.anywhere.iter().any(|anywhere| anywhere.eq_ignore_ascii_case(source))
    };
    let exposed: Vec<(Pointer, &str)> = inbound
        .source_fields
        .iter()
        .flat_map(|field| match inbound.rule.get(field).map(Node::shape) {
            Some(Shape::Array(sources)) => sources
                .iter()
                .enumerate()
                .filter_map(|(index, source)| Some((inbound.pointer.key(field).index(index), source.as_str()?)))
                .collect::<Vec<_>>(),
            Some(Shape::String(source)) => vec![(inbound.pointer.key(field), source)],
            _ => Vec::new(),
        })
        .filter(|(_, source)| is_public(source))
        .collect();
    let Some((pointer, source)) = exposed.first() else { return };
    let open: Vec<u16> = settings
        .ports
        .iter()
        .copied()
        .filter(|port| match &inbound.ports {
            Ports::All => true,
            Ports::Ranges(ranges) => ranges.iter().any(|(from, to)| (*from..=*to).contains(&u64::from(*port))),
        })
        .collect();
    if open.is_empty() {
        return;
    }
    let what = match (&inbound.ports, open.as_slice()) {
        (Ports::All, _) => "every port".to_owned(),
        (_, [port]) => format!("port {port} ({})", service_name(*port)),
        (Ports::Ranges(ranges), ports) if ranges.len() == 1 => {
            let (from, to) = ranges[0];
            format!("ports {from}-{to}, including {} sensitive ones", ports.len())
        }
        (Ports::Ranges(_), ports) => {
            let listed: Vec<String> = ports.iter().map(|port| format!("{port} ({})", service_name(*port))).collect();
            format!("ports {}", listed.join(", "))
        }
    };
    findings.report("public-sensitive-port", pointer, format!("{name} lets {source} reach {what}"));
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

    #[test]
    fn gcp_and_azure_rules_name_the_ports_they_open() {
        let tree = json!({"resource": {
            "google_compute_firewall": {"admin": {
                "allow": [{"protocol": "tcp", "ports": ["22", "8000-8080"]}, {"protocol": "icmp"}],
                "source_ranges": ["0.0.0.0/0"]}},
            "azurerm_network_security_rule": {"data": {
                "direction": "inbound", "access": "allow", "protocol": "Tcp",
                "destination_port_ranges": ["5432", "6379"], "source_address_prefix": "internet"}}}});
        let found = check_tree::<NetworkExposure>("terraform", tree);
        let messages: Vec<&str> = found.iter().map(|(_, _, message)| message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "google_compute_firewall.admin lets 0.0.0.0/0 reach port 22 (SSH)",
                "azurerm_network_security_rule.data lets internet reach ports 5432 (PostgreSQL), 6379 (Redis)",
            ]
        );
    }

    #[test]
    fn port_ranges_are_read_as_clouds_write_them() {
        assert_eq!(parse_port_range("22"), Some((22, 22)));
        assert_eq!(parse_port_range(" 1000 - 2000 "), Some((1000, 2000)));
        assert_eq!(parse_port_range("*"), None);
        assert_eq!(parse_port_range("${var.port}"), None);
    }
}
