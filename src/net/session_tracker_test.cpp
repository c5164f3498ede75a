// The graceful stop's rule (SessionStatus::drain): a session between commands stops reading at
// once, one receiving a message only once it leaves InData; a write in flight is spared.
#include "net/session_tracker.hpp"

#include "net/connection.hpp"
#include "net/test_util.hpp"

namespace harbor::net {
namespace {

using test::SocketPair;

struct Tracked {
    asio::io_context io;
    SocketPair pair{io};
    std::shared_ptr<Connection> connection =
        std::make_shared<Connection>(std::move(pair.server), nullptr);
    std::shared_ptr<SessionStatus> status = std::make_shared<SessionStatus>();
    SessionTracker tracker;
    std::uint64_t id =
        tracker.add(connection, status,
                    SessionInfo{"cid1", "smtp", Protocol::Smtp, "127.0.0.1:25", "peer", {}});

    void run_posted()
    {
        io.restart();
        io.poll();
    }
};

TEST(SessionTracker, DrainEndsASessionBetweenCommandsAtOnce)
{
    Tracked t;
    t.tracker.drain_all();
    t.run_posted();
    EXPECT_TRUE(t.connection->shutting_down());
    auto line = test::run_until_done(
        t.io, t.connection->read_line(512, deadline_after(std::chrono::seconds(5))));
    ASSERT_FALSE(line);
    EXPECT_EQ(line.error().code, Errc::Closed);
    // Writes still work: the goodbye reaches the client.
    auto written = test::run_until_done(t.io, t.connection->write("421 bye\r\n"));
    EXPECT_TRUE(written);
    EXPECT_EQ(test::read_client_line(t.pair.client), "421 bye\r\n");
}

TEST(SessionTracker, DrainLetsATransferFinish)
{
    Tracked t;
    t.status->set_state(SessionState::InData);
    t.tracker.drain_all();
    t.run_posted();
    EXPECT_FALSE(t.connection->shutting_down());
    t.pair.send("the rest of the message\r\n");
    auto line = test::run_until_done(
        t.io, t.connection->read_line(512, deadline_after(std::chrono::seconds(5))));
    ASSERT_TRUE(line);
    EXPECT_EQ(line->text, "the rest of the message");
    t.status->set_state(SessionState::Established);  // the reply is written: next command
    t.run_posted();
    EXPECT_TRUE(t.connection->shutting_down());
}

TEST(SessionTracker, SessionsListsStateUserAndBytes)
{
    Tracked t;
    t.status->set_user("alice@example.org");
    t.status->set_state(SessionState::Idle);
    t.pair.send("a1 IDLE\r\n");
    (void)test::run_until_done(
        t.io, t.connection->read_line(512, deadline_after(std::chrono::seconds(5))));
    (void)test::run_until_done(t.io, t.connection->write("+ idling\r\n"));
    std::vector<SessionView> views = t.tracker.sessions();
    ASSERT_EQ(views.size(), 1u);
    EXPECT_EQ(views[0].info.cid, "cid1");
    EXPECT_EQ(views[0].state, SessionState::Idle);
    EXPECT_EQ(session_state_name(views[0].state), "IDLE");
    EXPECT_EQ(views[0].user, "alice@example.org");
    EXPECT_EQ(views[0].bytes_in, 9u);
    EXPECT_EQ(views[0].bytes_out, 10u);
    EXPECT_EQ(t.tracker.count(Protocol::Smtp), 1u);
    EXPECT_EQ(t.tracker.count(Protocol::Imap), 0u);
    t.tracker.remove(t.id);
    EXPECT_TRUE(t.tracker.sessions().empty());
}

}  // namespace
}  // namespace harbor::net
