//! Administration and data ports: the ports that must never face the
//! internet, shared by every practice that judges network exposure
//! (security groups, Kubernetes Services, and any cloud to come), so the
//! list and the names in messages are one.

/// SSH, Telnet, RDP, SMB, databases, caches, search clusters, message
/// brokers, and the Docker, etcd and kubelet APIs: ports whose services
/// either grant a shell or hold data, and are found by internet-wide
/// scanners within minutes of opening.
pub const SENSITIVE_PORTS: &[u16] = &[
    22, 23, 135, 139, 445, 1433, 1521, 2375, 2376, 2379, 3306, 3389, 5432, 5601, 5672, 5900, 5984, 6379, 7000, 7001,
    8086, 9042, 9092, 9200, 9300, 10250, 11211, 15672, 27017, 27018,
];

/// The service a port usually carries, for messages: `"SSH"` for 22. A port
/// outside [`SENSITIVE_PORTS`] (one a team added in its settings) is "a
/// sensitive service".
pub fn service_name(port: u16) -> &'static str {
    match port {
        22 => "SSH",
        23 => "Telnet",
        135 | 139 | 445 => "Windows RPC/SMB",
        1433 => "SQL Server",
        1521 => "Oracle",
        2375 | 2376 => "the Docker API",
        2379 => "etcd",
        3306 => "MySQL",
        3389 => "RDP",
        5432 => "PostgreSQL",
        5601 => "Kibana",
        5672 | 15672 => "RabbitMQ",
        5900 => "VNC",
        5984 => "CouchDB",
        6379 => "Redis",
        7000 | 7001 | 9042 => "Cassandra",
        8086 => "InfluxDB",
        9092 => "Kafka",
        9200 | 9300 => "Elasticsearch",
        10250 => "the kubelet API",
        11211 => "Memcached",
        27017 | 27018 => "MongoDB",
        _ => "a sensitive service",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_port_has_a_name() {
        for &port in SENSITIVE_PORTS {
            assert_ne!(service_name(port), "a sensitive service", "port {port}");
        }
        assert_eq!(service_name(8080), "a sensitive service");
        assert!(SENSITIVE_PORTS.windows(2).all(|pair| pair[0] < pair[1]), "sorted, without repeats");
    }
}
