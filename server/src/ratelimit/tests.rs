use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::http::HeaderMap;

use super::*;

fn limiter(settings: RateSettings) -> RateLimiter {
    RateLimiter::new(settings, agenthq_runtime::Tiers::default(), None).unwrap()
}

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
}

#[tokio::test]
async fn a_bucket_allows_its_burst_then_refuses_with_a_wait() {
    let limiter = limiter(RateSettings {
        ip_per_minute: 3,
        ..RateSettings::default()
    });
    for left in [2, 1, 0] {
        match limiter.check(&[Bucket::Ip(ip(1))]).await {
            Verdict::Allowed(Some(s)) => {
                assert_eq!((s.limit, s.remaining), (3, left));
                assert!(s.reset <= Duration::from_secs(60));
            }
            other => panic!("expected allowed, got {other:?}"),
        }
    }
    match limiter.check(&[Bucket::Ip(ip(1))]).await {
        Verdict::Refused { standing, class } => {
            assert_eq!(class, "ip");
            let wait = standing.retry_after.unwrap();
            assert!(
                wait > Duration::from_secs(15) && wait <= Duration::from_secs(20),
                "{wait:?}"
            );
        }
        other => panic!("expected refused, got {other:?}"),
    }
    // Another address has its own bucket.
    assert!(matches!(
        limiter.check(&[Bucket::Ip(ip(2))]).await,
        Verdict::Allowed(Some(_))
    ));
}

#[tokio::test]
async fn the_tightest_bucket_speaks_for_the_request() {
    let limiter = limiter(RateSettings {
        ip_per_minute: 100,
        auth_ip_per_minute: 2,
        ..RateSettings::default()
    });
    let both = [Bucket::AuthIp(ip(1)), Bucket::Ip(ip(1))];
    let Verdict::Allowed(Some(s)) = limiter.check(&both).await else {
        panic!("allowed")
    };
    assert_eq!(
        (s.limit, s.remaining),
        (2, 1),
        "the auth bucket is the tighter"
    );
    limiter.check(&both).await;
    match limiter.check(&both).await {
        Verdict::Refused { class, .. } => assert_eq!(class, "auth_ip"),
        other => panic!("expected refused, got {other:?}"),
    }
    // Other endpoints from that address are still served.
    assert!(matches!(
        limiter.check(&[Bucket::Ip(ip(1))]).await,
        Verdict::Allowed(_)
    ));
}

#[tokio::test]
async fn a_workspace_bucket_follows_its_tier() {
    let mut tiers = agenthq_runtime::Tiers::default();
    tiers.free.requests_per_hour = 1;
    tiers.pro.requests_per_hour = 5;
    let limiter = RateLimiter::new(RateSettings::default(), tiers, None).unwrap();
    let ws = WorkspaceId::new();
    assert!(matches!(
        limiter.check(&[Bucket::Workspace(ws, Tier::Free)]).await,
        Verdict::Allowed(_)
    ));
    assert!(matches!(
        limiter.check(&[Bucket::Workspace(ws, Tier::Free)]).await,
        Verdict::Refused {
            class: "workspace",
            ..
        }
    ));
    let Verdict::Allowed(Some(s)) = limiter.check(&[Bucket::Workspace(ws, Tier::Pro)]).await else {
        panic!("a new tier starts a fresh bucket")
    };
    assert_eq!((s.limit, s.remaining), (5, 4));
}

#[tokio::test]
async fn switched_off_nothing_is_counted() {
    let limiter = limiter(RateSettings {
        enabled: false,
        ip_per_minute: 1,
        ..RateSettings::default()
    });
    for _ in 0..5 {
        assert_eq!(
            limiter.check(&[Bucket::Ip(ip(1))]).await,
            Verdict::Allowed(None)
        );
    }
}

#[test]
fn the_client_address_is_the_peer_unless_a_trusted_balancer_says() {
    let peer = Some(SocketAddr::from(([192, 0, 2, 1], 5000)));
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-forwarded-for",
        "203.0.113.9, 198.51.100.7".parse().unwrap(),
    );
    assert_eq!(
        client_ip(&headers, peer, false),
        Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))),
        "the header is ignored unless trusted"
    );
    assert_eq!(
        client_ip(&headers, peer, true),
        Some(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7))),
        "the entry the balancer appended, not one the client wrote"
    );
    let v6 = SocketAddr::new(
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 3, 4, 5, 6)),
        1,
    );
    assert_eq!(
        client_ip(&HeaderMap::new(), Some(v6), false),
        Some(IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 0))),
        "an IPv6 client counts by its /64"
    );
}
