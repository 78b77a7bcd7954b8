//! The AWS practices on CloudFormation templates: policy documents of
//! `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy`, the inline `Policies`
//! and `ManagedPolicyArns` of roles, users and groups, and
//! `AWS::IAM::AccessKey`. Statements are judged where they are written, so
//! findings land on the statement's `Action`.

use tenken_sdk::cloudformation::{Resource, resources};
use tenken_sdk::{Document, Findings, Node, Pointer};

use tenken_sdk::iam::{statements, strings};

use crate::{grant, managed_policy_grant, report};

/// Identities that take inline `Policies` and `ManagedPolicyArns`.
const IDENTITIES: &[&str] = &["AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"];

pub(crate) fn check(document: &Document, findings: &mut Findings) {
    for resource in resources(document) {
        let name = resource.describe();
        match resource.kind {
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                if let Some(policy) = resource.property("PolicyDocument") {
                    check_document(policy, &resource.property_pointer("PolicyDocument"), &name, findings);
                }
            }
            kind if IDENTITIES.contains(&kind) => {
                check_inline_policies(&resource, &name, findings);
                check_managed_policies(&resource, &name, findings);
            }
            "AWS::IAM::AccessKey" => findings.report(
                "long-lived-key",
                &resource.pointer,
                format!("{name} creates an access key of an IAM user, a long-lived credential"),
            ),
            _ => {}
        }
    }
}

fn check_inline_policies(resource: &Resource<'_>, name: &str, findings: &mut Findings) {
    let Some(policies) = resource.property("Policies").and_then(Node::as_array) else { return };
    for (index, policy) in policies.iter().enumerate() {
        let Some(document) = policy.get("PolicyDocument") else { continue };
        let pointer = resource.property_pointer("Policies").index(index).key("PolicyDocument");
        let whose = match policy.get("PolicyName").and_then(Node::as_str) {
            Some(policy_name) => format!("{name}'s policy {policy_name}"),
            None => name.to_owned(),
        };
        check_document(document, &pointer, &whose, findings);
    }
}

fn check_managed_policies(resource: &Resource<'_>, name: &str, findings: &mut Findings) {
    let Some(arns) = resource.property("ManagedPolicyArns").and_then(Node::as_array) else { return };
    for (index, arn) in arns.iter().enumerate() {
        // `!Sub arn:${AWS::Partition}:iam::aws:policy/...` is as good as
        // the literal ARN.
        let text = arn.as_str().or_else(|| arn.get("Fn::Sub").and_then(Node::as_str));
        if let Some(found) = text.and_then(managed_policy_grant) {
            let pointer = resource.property_pointer("ManagedPolicyArns").index(index);
            let policy = text.and_then(|arn| arn.rsplit_once('/')).map_or("it", |(_, policy)| policy);
            report(findings, &pointer, &format!("{name} attaches the AWS managed `{policy}`, which"), &found);
        }
    }
}

/// A policy document's statements, each judged at its `Action`.
fn check_document(policy: Node<'_>, pointer: &Pointer, whose: &str, findings: &mut Findings) {
    for (at, statement) in statements(policy, pointer) {
        let found = grant(
            statement.get("Effect").and_then(Node::as_str),
            &strings(statement.get("Action")),
            &strings(statement.get("Resource")),
        );
        if let Some(found) = found {
            report(findings, &at.key("Action"), whose, &found);
        }
    }
}
