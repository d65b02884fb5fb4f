//! The fake API server, driven by unmodified kube-rs: list, get, selectors, pagination,
//! watch + reflector, bookmarks, 410 recovery, auth and RBAC errors, outages, discovery.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, PostParams, VersionMatch, WatchEvent, WatchParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{watcher, WatchStreamExt};
use kube::{Client, ResourceExt};
use serde_json::json;

use crate::support::fake_kube::{synthetic_cluster, CallKind, FakeKube};
use crate::support::{eventually, fixtures};

const WAIT: Duration = Duration::from_secs(10);

fn rollout_resource() -> ApiResource {
    ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk("argoproj.io", "v1alpha1", "Rollout"),
        "rollouts",
    )
}

fn client(kube: &FakeKube) -> Client {
    Client::try_from(kube.kube_config()).expect("kube client")
}

fn names<K: ResourceExt>(objs: impl IntoIterator<Item = K>) -> BTreeSet<String> {
    objs.into_iter().map(|o| o.name_any()).collect()
}

/// Spawns watcher + reflector on pods; returns the store.
fn reflect_pods(client: Client, config: watcher::Config) -> Store<Pod> {
    let (reader, writer) = reflector::store::<Pod>();
    let stream = watcher(Api::<Pod>::all(client), config)
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    tokio::spawn(stream.for_each(|_| async {}));
    reader
}

fn pod(ns: &str, name: &str, labels: serde_json::Value) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "labels": labels}})
}

#[tokio::test]
async fn kube_lists_and_gets_fixture_objects_cluster_wide_and_per_namespace() {
    let kube = FakeKube::start().await;
    let loaded = kube
        .load_yaml_dir(fixtures("canary"))
        .expect("fixtures load");
    assert_eq!(loaded, 12);
    let client = client(&kube);

    let pods = Api::<Pod>::all(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(pods.items.len(), 6);
    assert_eq!(
        pods.metadata.resource_version,
        Some(kube.resource_version().to_string())
    );

    let rollouts =
        Api::<DynamicObject>::namespaced_with(client.clone(), "jesse-test", &rollout_resource());
    let listed = rollouts.list(&ListParams::default()).await.unwrap();
    let want: BTreeSet<String> = kube
        .objects("Rollout")
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names(listed.items), want);
    assert!(want.contains("canary-demo"));

    let one = rollouts.get("canary-demo").await.unwrap();
    assert_eq!(one.data["status"]["stableRS"], "877894d5b");
    let missing = rollouts.get("nope").await.unwrap_err();
    assert!(
        matches!(missing, kube::Error::Api(ref s) if s.code == 404),
        "{missing:?}"
    );
    let elsewhere = Api::<Pod>::namespaced(client, "other")
        .list(&ListParams::default())
        .await
        .unwrap();
    assert!(elsewhere.items.is_empty());

    let paths: Vec<String> = kube.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths.contains(&"/apis/argoproj.io/v1alpha1/namespaces/jesse-test/rollouts".to_string()),
        "{paths:?}"
    );
    assert_eq!(kube.list_calls("pods"), 2);
}

#[tokio::test]
async fn label_selectors_are_sent_and_applied_server_side() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    let pods = Api::<Pod>::all(client(&kube));
    let count = |sel: &'static str| {
        let pods = pods.clone();
        async move {
            pods.list(&ListParams::default().labels(sel))
                .await
                .unwrap()
                .items
                .len()
        }
    };
    assert_eq!(count("rollouts-pod-template-hash=877894d5b").await, 5);
    assert_eq!(count("rollouts-pod-template-hash!=877894d5b").await, 1);
    assert_eq!(
        count("rollouts-pod-template-hash in (877894d5b,65fb5ffc84)").await,
        6
    );
    assert_eq!(count("app,!missing").await, 6);
    assert_eq!(count("missing").await, 0);
    let last = kube.requests().pop().unwrap();
    assert_eq!(last.param("labelSelector"), Some("missing"));
    let bad = pods
        .list(&ListParams::default().labels("a in b"))
        .await
        .unwrap_err();
    assert!(
        matches!(bad, kube::Error::Api(ref s) if s.code == 400),
        "{bad:?}"
    );
}

#[tokio::test]
async fn pagination_returns_every_object_exactly_once() {
    let kube = FakeKube::start().await;
    kube.apply_all(synthetic_cluster(30));
    let pods = Api::<Pod>::all(client(&kube));
    let (mut seen, mut pages, mut token) = (Vec::new(), 0, None::<String>);
    loop {
        let mut lp = ListParams::default().limit(7);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = pods.list(&lp).await.unwrap();
        assert!(page.items.len() <= 7);
        seen.extend(
            page.items
                .into_iter()
                .map(|p| format!("{}/{}", p.namespace().unwrap(), p.name_any())),
        );
        pages += 1;
        token = page.metadata.continue_.filter(|c| !c.is_empty());
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 120);
    assert_eq!(
        seen.iter().collect::<BTreeSet<_>>().len(),
        120,
        "duplicates across pages"
    );
    assert_eq!(pages, 18);

    // A watcher with a small page size pages through too and ends up complete.
    let store = reflect_pods(client(&kube), watcher::Config::default().page_size(50));
    store.wait_until_ready().await.unwrap();
    assert_eq!(store.len(), 120);
    assert_eq!(kube.list_calls("pods"), 18 + 3);

    // A continue token from before a compaction is rejected with 410, as upstream does.
    let first = pods.list(&ListParams::default().limit(5)).await.unwrap();
    kube.compact();
    let stale = first.metadata.continue_.unwrap();
    let err = pods
        .list(&ListParams::default().limit(5).continue_token(&stale))
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 410 && s.reason == "Expired"),
        "{err:?}"
    );

    // List resourceVersion semantics: too new is 504, an Exact one before the
    // compaction is 410, "0" (any) is served.
    let current = kube.resource_version();
    let too_new = ListParams::default()
        .at(&(current + 5).to_string())
        .matching(VersionMatch::NotOlderThan);
    // 504 is one of the statuses kube-rs's default client retries for minutes.
    let mut no_retry = kube.kube_config();
    no_retry.default_retry = false;
    let no_retry = Api::<Pod>::all(Client::try_from(no_retry).unwrap());
    let err = no_retry.list(&too_new).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 504),
        "{err:?}"
    );
    let exact_old = ListParams::default().at("2").matching(VersionMatch::Exact);
    let err = pods.list(&exact_old).await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 410),
        "{err:?}"
    );
    let any = ListParams::default()
        .at("0")
        .matching(VersionMatch::NotOlderThan);
    assert_eq!(pods.list(&any).await.unwrap().items.len(), 120);
}

#[tokio::test]
async fn reflector_follows_adds_modifications_and_deletions_without_relisting() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    let store = reflect_pods(client(&kube), watcher::Config::default());
    store.wait_until_ready().await.unwrap();
    assert_eq!(store.len(), 6);
    eventually("the watch is open", WAIT, || kube.open_watches() == 1).await;

    kube.apply(pod("jesse-test", "new-pod", json!({"app": "x"})));
    eventually("the new pod is seen", WAIT, || store.len() == 7).await;
    kube.apply(pod("jesse-test", "new-pod", json!({"app": "y"})));
    eventually("the label change is seen", WAIT, || {
        store
            .find(|p| p.name_any() == "new-pod")
            .is_some_and(|p| p.labels().get("app").map(String::as_str) == Some("y"))
    })
    .await;
    assert!(kube.delete("Pod", "jesse-test", "canary-demo-65fb5ffc84-9wf5r"));
    eventually("the deletion is seen", WAIT, || store.len() == 6).await;
    assert!(store
        .find(|p| p.name_any() == "canary-demo-65fb5ffc84-9wf5r")
        .is_none());

    assert_eq!(kube.list_calls("pods"), 1, "no re-list expected");
    let watch = kube
        .requests()
        .into_iter()
        .find(|r| r.call == CallKind::Watch)
        .unwrap();
    assert_eq!(watch.param("allowWatchBookmarks"), Some("true"));
    assert!(watch.param("resourceVersion").is_some_and(|rv| rv != "0"));
}

#[tokio::test]
async fn raw_watch_sees_bookmarks_and_selector_transitions() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    let api = Api::<DynamicObject>::all_with(client(&kube), &rollout_resource());
    let rv = kube.resource_version().to_string();
    let wp = WatchParams::default().labels("app=canary-demo").timeout(2);
    let mut stream = api.watch(&wp, &rv).await.unwrap().boxed();
    eventually("the watch is open", WAIT, || kube.open_watches() == 1).await;

    kube.bookmark();
    match stream.try_next().await.unwrap() {
        Some(WatchEvent::Bookmark(b)) => assert_eq!(b.metadata.resource_version, rv),
        other => panic!("expected a bookmark, got {other:?}"),
    }
    // Relabeling a rollout out of the selection is a DELETED for this watch.
    let mut moved = kube
        .objects("Rollout")
        .into_iter()
        .find(|o| o["metadata"]["name"] == "canary-demo")
        .unwrap();
    moved["metadata"]["labels"]["app"] = json!("elsewhere");
    kube.apply(moved);
    match stream.try_next().await.unwrap() {
        Some(WatchEvent::Deleted(o)) => assert_eq!(o.name_any(), "canary-demo"),
        other => panic!("expected DELETED, got {other:?}"),
    }
    // The server ends the stream after timeoutSeconds.
    let started = Instant::now();
    assert!(stream.try_next().await.unwrap().is_none());
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn watch_resumes_from_a_bookmark_after_the_stream_ends() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    kube.set_max_watch_timeout(Duration::from_millis(300));
    let store = reflect_pods(client(&kube), watcher::Config::default());
    store.wait_until_ready().await.unwrap();
    eventually("the watch is open", WAIT, || kube.open_watches() == 1).await;
    // Unrelated writes move the resourceVersion on; a bookmark tells the watcher.
    kube.apply(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "unrelated"}}));
    kube.bookmark();
    let bookmarked = kube.resource_version().to_string();
    eventually("the watcher re-watches from the bookmark", WAIT, || {
        kube.requests()
            .iter()
            .any(|r| r.call == CallKind::Watch && r.param("resourceVersion") == Some(&bookmarked))
    })
    .await;
    assert_eq!(kube.list_calls("pods"), 1);
}

#[tokio::test]
async fn expired_watch_triggers_a_relist_and_the_store_converges() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    let ar = rollout_resource();
    let writer = reflector::store::Writer::<DynamicObject>::new(ar.clone());
    let store = writer.as_reader();
    let api = Api::<DynamicObject>::all_with(client(&kube), &ar);
    let stream = watcher(api.clone(), watcher::Config::default())
        .default_backoff()
        .reflect(writer)
        .applied_objects();
    tokio::spawn(stream.for_each(|_| async {}));
    store.wait_until_ready().await.unwrap();
    let before = store.len();
    eventually("the watch is open", WAIT, || kube.open_watches() == 1).await;

    // Changes the watcher will miss: they happen while no watch is open.
    kube.expire_watches();
    kube.delete("Rollout", "jesse-test", "canary-demo");
    let mut extra = kube.objects("Rollout")[0].clone();
    extra["metadata"]["name"] = json!("late-arrival");
    extra["metadata"].as_object_mut().unwrap().remove("uid");
    kube.apply(extra);

    eventually("a re-list happens", WAIT, || {
        kube.list_calls("rollouts") == 2
    })
    .await;
    let want: BTreeSet<String> = kube
        .objects("Rollout")
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    eventually("the store matches the server", WAIT, || {
        names(store.state().iter().map(|o| (**o).clone())) == want
    })
    .await;
    assert_eq!(store.len(), before);

    // A watch from a compacted resourceVersion gets an ERROR event with 410, as upstream.
    let mut raw = api
        .watch(&WatchParams::default(), "2")
        .await
        .unwrap()
        .boxed();
    match raw.try_next().await.unwrap() {
        Some(WatchEvent::Error(e)) => assert_eq!((e.code, e.reason.as_str()), (410, "Expired")),
        other => panic!("expected ERROR 410, got {other:?}"),
    }
}

#[tokio::test]
async fn missing_token_is_401_and_rbac_denial_is_403_with_the_upstream_message() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    let anonymous = client(&kube);
    kube.set_token(Some("t0ken"));
    let err = Api::<Pod>::all(anonymous)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 401 && s.reason == "Unauthorized"),
        "{err:?}"
    );

    let authed = client(&kube);
    assert_eq!(
        Api::<Pod>::all(authed.clone())
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        6
    );
    let seen = kube.requests().pop().unwrap();
    assert_eq!(seen.call, CallKind::List);

    kube.set_user("system:serviceaccount:x:y");
    kube.deny("list", "argoproj.io", "rollouts");
    let api = Api::<DynamicObject>::all_with(authed.clone(), &rollout_resource());
    let err = api.list(&ListParams::default()).await.unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("expected an API status, got {err:?}")
    };
    assert_eq!(status.code, 403);
    assert_eq!(status.reason, "Forbidden");
    assert_eq!(
        status.message,
        "rollouts.argoproj.io is forbidden: User \"system:serviceaccount:x:y\" cannot list resource \"rollouts\" \
         in API group \"argoproj.io\" at the cluster scope"
    );

    // The watcher surfaces it as InitialListFailed and keeps retrying.
    let mut events = watcher(api, watcher::Config::default()).boxed();
    let first = events.next().await.unwrap();
    assert!(matches!(first, Ok(watcher::Event::Init)), "{first:?}");
    let first = events.next().await.unwrap();
    assert!(
        matches!(first, Err(watcher::Error::InitialListFailed(kube::Error::Api(ref s))) if s.code == 403),
        "{first:?}"
    );

    let reviews: Api<SelfSubjectAccessReview> = Api::all(authed);
    let review = |verb: &str| SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.into()),
                group: Some("argoproj.io".into()),
                resource: Some("rollouts".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let denied = reviews
        .create(&PostParams::default(), &review("list"))
        .await
        .unwrap();
    assert!(!denied.status.unwrap().allowed);
    let allowed = reviews
        .create(&PostParams::default(), &review("watch"))
        .await
        .unwrap();
    assert!(allowed.status.unwrap().allowed);
}

#[tokio::test]
async fn a_stopped_server_is_reconnected_after_restart_and_missed_events_replayed() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    let store = reflect_pods(client(&kube), watcher::Config::default());
    store.wait_until_ready().await.unwrap();
    eventually("the watch is open", WAIT, || kube.open_watches() == 1).await;

    kube.stop().await;
    let refused = Api::<Pod>::all(client(&kube))
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        !matches!(refused, kube::Error::Api(_)),
        "a refused connection is not an API status: {refused:?}"
    );
    eprintln!("connection refused surfaces as: {refused:?}");
    kube.apply(pod("jesse-test", "born-while-down", json!({})));
    tokio::time::sleep(Duration::from_millis(300)).await;
    kube.restart().await;

    eventually("the missed pod arrives", Duration::from_secs(20), || {
        store.len() == 7
    })
    .await;
    assert_eq!(
        kube.list_calls("pods"),
        1,
        "resuming from history needs no re-list"
    );
}

#[tokio::test]
async fn a_503_outage_fails_fast_without_retries_and_is_hidden_by_kube_default_retries() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    kube.set_down(true);
    let mut config = kube.kube_config();
    config.default_retry = false;
    let no_retry = Client::try_from(config).unwrap();
    let err = Api::<Pod>::all(no_retry)
        .list(&ListParams::default())
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 503),
        "{err:?}"
    );

    let retrying = Api::<Pod>::all(client(&kube));
    let pending = tokio::spawn(async move { retrying.list(&ListParams::default()).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    kube.set_down(false);
    let listed = tokio::time::timeout(Duration::from_secs(20), pending)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(listed.items.len(), 6);
    assert!(
        kube.list_calls("pods") >= 3,
        "kube-rs retried {} times",
        kube.list_calls("pods")
    );
    eprintln!(
        "503 outage of 400 ms: kube-rs sent {} list requests",
        kube.list_calls("pods")
    );
}

#[tokio::test]
async fn kube_discovery_finds_argo_rollouts() {
    let kube = FakeKube::start().await;
    let discovery = kube::Discovery::new(client(&kube))
        .run()
        .await
        .expect("discovery");
    let group = discovery.get("argoproj.io").expect("argoproj.io group");
    let kinds: BTreeSet<String> = group
        .recommended_resources()
        .into_iter()
        .map(|(ar, _)| ar.kind)
        .collect();
    for kind in ["Rollout", "AnalysisRun", "Experiment", "AnalysisTemplate"] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    assert!(discovery.get("apps").is_some() && discovery.get("batch").is_some());
    let version = client(&kube).apiserver_version().await.unwrap();
    assert_eq!(version.git_version, "v1.31.0");
}

#[tokio::test]
async fn synthetic_cluster_of_1000_rollouts_is_consistent_and_lists_quickly() {
    let started = Instant::now();
    let objects = synthetic_cluster(1000);
    let generated_in = started.elapsed();
    assert_eq!(objects.len(), 10 + 1000 * 7);
    let kube = FakeKube::start().await;
    let started = Instant::now();
    kube.apply_all(objects);
    let loaded_in = started.elapsed();

    let rollouts = kube.objects("Rollout");
    let replicasets = kube.objects("ReplicaSet");
    let pods = kube.objects("Pod");
    assert_eq!(
        (rollouts.len(), replicasets.len(), pods.len()),
        (1000, 2000, 4000)
    );
    let uid = |o: &serde_json::Value| o["metadata"]["uid"].as_str().unwrap().to_string();
    let owner = |o: &serde_json::Value| {
        o["metadata"]["ownerReferences"][0]["uid"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let rollout_uids: BTreeSet<String> = rollouts.iter().map(uid).collect();
    let rs_uids: BTreeSet<String> = replicasets.iter().map(uid).collect();
    assert_eq!(rollout_uids.len(), 1000);
    assert!(replicasets
        .iter()
        .all(|rs| rollout_uids.contains(&owner(rs))));
    assert!(pods.iter().all(|p| rs_uids.contains(&owner(p))));
    let namespaces: BTreeSet<&str> = rollouts
        .iter()
        .filter_map(|r| r["metadata"]["namespace"].as_str())
        .collect();
    assert_eq!(namespaces.len(), 10);
    for rs in &replicasets {
        let hash = rs["metadata"]["labels"]["rollouts-pod-template-hash"]
            .as_str()
            .unwrap();
        assert!(rs["metadata"]["name"].as_str().unwrap().ends_with(hash));
    }

    let started = Instant::now();
    let store = reflect_pods(client(&kube), watcher::Config::default());
    store.wait_until_ready().await.unwrap();
    let reflected_in = started.elapsed();
    assert_eq!(store.len(), 4000);
    eprintln!("synthetic 1000 rollouts: generated in {generated_in:?}, applied 7010 objects in {loaded_in:?}, reflected 4000 pods in {reflected_in:?}");
}

#[tokio::test]
async fn periodic_bookmarks_only_reach_watches_that_asked_and_field_selectors_filter() {
    let kube = FakeKube::start().await;
    kube.load_yaml_dir(fixtures("canary")).unwrap();
    kube.set_bookmark_interval(Some(Duration::from_millis(100)));
    let pods = Api::<Pod>::namespaced(client(&kube), "jesse-test");
    let rv = kube.resource_version().to_string();

    let mut with = pods
        .watch(&WatchParams::default().timeout(2), &rv)
        .await
        .unwrap()
        .boxed();
    match tokio::time::timeout(Duration::from_secs(2), with.try_next()).await {
        Ok(Ok(Some(WatchEvent::Bookmark(b)))) => assert_eq!(b.metadata.resource_version, rv),
        other => panic!("expected a periodic bookmark, got {other:?}"),
    }
    let wp = WatchParams::default().disable_bookmarks().timeout(1);
    let without: Vec<_> = pods.watch(&wp, &rv).await.unwrap().collect().await;
    assert!(
        without.is_empty(),
        "no bookmarks were asked for: {without:?}"
    );

    let lp = ListParams::default().fields("metadata.name=canary-demo-877894d5b-6jfpt");
    let one = pods.list(&lp).await.unwrap();
    assert_eq!(
        names(one.items),
        BTreeSet::from(["canary-demo-877894d5b-6jfpt".to_string()])
    );
    let log = kube.requests();
    let last = log.last().unwrap();
    assert_eq!(
        (last.call, last.namespace.as_deref()),
        (CallKind::List, Some("jesse-test"))
    );

    kube.deny("watch", "", "pods");
    let err = pods
        .watch(&WatchParams::default(), &rv)
        .await
        .err()
        .expect("watch denied");
    let kube::Error::Api(status) = err else {
        panic!("expected an API status, got {err:?}")
    };
    assert_eq!(status.code, 403);
    assert!(
        status.message.ends_with(
            "cannot watch resource \"pods\" in API group \"\" in the namespace \"jesse-test\""
        ),
        "{}",
        status.message
    );
    assert_eq!(
        pods.list(&ListParams::default()).await.unwrap().items.len(),
        6,
        "list stays allowed"
    );
}

#[tokio::test]
async fn every_fixture_scenario_loads_and_argo_kinds_list_through_kube() {
    let kube = FakeKube::start().await;
    assert_eq!(kube.load_yaml_dir(fixtures("")).unwrap(), 35);
    let client = client(&kube);
    for (kind, plural, want) in [
        ("AnalysisRun", "analysisruns", 1),
        ("Experiment", "experiments", 1),
    ] {
        let ar = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("argoproj.io", "v1alpha1", kind),
            plural,
        );
        let listed = Api::<DynamicObject>::all_with(client.clone(), &ar)
            .list(&ListParams::default())
            .await
            .unwrap();
        assert_eq!(listed.items.len(), want, "{kind}");
        assert_eq!(listed.items.len(), kube.objects(kind).len());
    }
    let deployments = kube.objects("Deployment");
    assert_eq!(deployments.len(), 1);
    let err = kube.load_yaml_file(fixtures("EXPECTED.md")).unwrap_err();
    assert!(err.to_string().contains("EXPECTED.md"), "{err}");
}
