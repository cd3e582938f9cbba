//! `all_tasks()` and the dump mode: the loop says what every task is waiting on.

mod support;

use std::time::Duration;

use glassloop::net::{TcpListener, TcpStream};
use glassloop::sync::{Lock, Queue};
use glassloop::{TaskStatus, WaitingOn};
use support::{assert_golden, Capture};

fn info_of<'a>(tasks: &'a [glassloop::TaskInfo], name: &str) -> &'a glassloop::TaskInfo {
    tasks
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no task named {name} in {tasks:#?}"))
}

#[test]
fn all_tasks_names_what_each_task_waits_on() {
    let rt = support::virtual_runtime();
    rt.block_on(async {
        let start = glassloop::now();
        let queue: Queue<u8> = Queue::unbounded();
        let lock = Lock::new(());
        let held = lock.lock().await;
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();

        let sleeper = glassloop::spawn_named("sleeper", glassloop::sleep(Duration::from_secs(30)));
        let getter = glassloop::spawn_named("getter", {
            let queue = queue.clone();
            async move { queue.get().await }
        });
        let locker = glassloop::spawn_named("locker", {
            let lock = lock.clone();
            async move {
                drop(lock.lock().await);
            }
        });
        let reader = glassloop::spawn_named("reader", async move {
            let mut buf = [0u8; 4];
            client.read(&mut buf).await.map(|_| ())
        });
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let threaded = glassloop::to_thread(move || rx.recv().ok());
        let joiner = glassloop::spawn_named("joiner", async move { sleeper.await.is_ok() });
        glassloop::yield_now().await;
        glassloop::yield_now().await;

        let tasks = glassloop::all_tasks();
        assert_eq!(tasks[0].name, "main()");
        assert_eq!(tasks[0].status, TaskStatus::Running);
        let sleeper_info = info_of(&tasks, "sleeper");
        assert_eq!(sleeper_info.status, TaskStatus::Waiting);
        assert_eq!(
            sleeper_info.waiting_on,
            Some(WaitingOn::Timer {
                deadline: start + Duration::from_secs(30)
            })
        );
        assert_eq!(
            info_of(&tasks, "getter").waiting_on,
            Some(WaitingOn::Primitive { what: "Queue.get" })
        );
        assert!(matches!(
            info_of(&tasks, "locker").waiting_on,
            Some(WaitingOn::Primitive { .. })
        ));
        assert!(matches!(
            info_of(&tasks, "reader").waiting_on,
            Some(WaitingOn::Socket {
                direction: "read",
                ..
            })
        ));
        assert_eq!(
            info_of(&tasks, "to_thread").waiting_on,
            Some(WaitingOn::Thread)
        );
        let sleeper_number = sleeper_info.number;
        assert_eq!(
            info_of(&tasks, "joiner").waiting_on,
            Some(WaitingOn::Task {
                task: sleeper_number
            })
        );
        // The text form reads like asyncio's task repr.
        assert_eq!(
            info_of(&tasks, "getter").to_string(),
            format!(
                "task {} 'getter' waiting on Queue.get",
                info_of(&tasks, "getter").number
            )
        );

        // Clean up: let everyone finish.
        queue.put_nowait(1).unwrap();
        drop(held);
        drop(listener);
        tx.send(()).unwrap();
        threaded.await.unwrap();
        getter.await.unwrap();
        locker.await.unwrap();
        let _ = reader.await.unwrap();
        assert!(joiner.await.unwrap());
        assert_eq!(glassloop::all_tasks().len(), 1, "only main() is left");
    });
}

#[test]
fn a_finished_task_is_not_listed_and_names_default_to_the_spawn_site() {
    glassloop::run(async {
        let done = glassloop::spawn(async {});
        let pending = glassloop::spawn(std::future::pending::<()>());
        glassloop::yield_now().await;
        let tasks = glassloop::all_tasks();
        assert_eq!(tasks.len(), 2, "{tasks:#?}");
        assert!(
            tasks[1].name.starts_with("introspection.rs:"),
            "{}",
            tasks[1].name
        );
        assert_eq!(tasks[1].waiting_on, None);
        drop((done, pending));
    });
}

/// A deliberately stuck program: a consumer waits on a queue nobody fills, a supervisor waits on
/// the consumer, and main gives up after 5 s. The dump, printed when the loop finds itself with
/// nothing to do for 5 s, says exactly that.
#[test]
fn dump_mode_explains_a_stuck_program() {
    assert!(
        std::env::var_os("GLASSLOOP_TRACE").is_none(),
        "unset GLASSLOOP_TRACE to run this test: it adds output of its own"
    );
    let capture = Capture::default();
    let rt = glassloop::Runtime::builder()
        .virtual_time(true)
        .dump(true)
        .trace_to(capture.clone())
        .build()
        .unwrap();
    let gave_up = rt.block_on(async {
        let jobs: Queue<u32> = Queue::unbounded();
        let consumer = glassloop::spawn_named("consumer", {
            let jobs = jobs.clone();
            async move { jobs.get().await }
        });
        let supervisor = glassloop::spawn_named("supervisor", consumer);
        glassloop::timeout(Duration::from_secs(5), supervisor)
            .await
            .is_err()
    });
    drop(rt);
    assert!(gave_up);
    assert_golden("dump_stuck.txt", &capture.text());
}

#[test]
fn the_book_quotes_the_real_dump() {
    let golden =
        std::fs::read_to_string(support::repo_path("tests/golden/dump_stuck.txt")).unwrap();
    let chapter =
        std::fs::read_to_string(support::repo_path("docs/waiting-for-each-other.md")).unwrap();
    assert!(
        chapter.contains(golden.trim_end()),
        "docs/waiting-for-each-other.md must quote tests/golden/dump_stuck.txt as it is"
    );
}
