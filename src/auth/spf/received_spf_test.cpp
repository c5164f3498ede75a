// Received-SPF (RFC 7208 §9.1): the field for each result, value quoting, identities, and
// hostile values that must not break the field.
#include "auth/spf/received_spf.hpp"

#include <gtest/gtest.h>

namespace harbor::auth::spf {
namespace {

Request request()
{
    Request r;
    r.ip = boost::asio::ip::make_address("192.0.2.1");
    r.domain = "example.com";
    r.sender = "myname@example.com";
    r.helo = "foo.example.com";
    r.receiver = "mybox.example.org";
    return r;
}

TEST(SpfReceivedSpf, PassLikeSection91)
{
    Outcome outcome;
    outcome.status = Status::Pass;
    outcome.mechanism = "ip4:192.0.2.0/24";
    EXPECT_EQ(received_spf_header(request(), outcome, Identity::MailFrom),
              "Received-SPF: pass (mybox.example.org: domain of myname@example.com designates "
              "192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
              "envelope-from=\"myname@example.com\"; helo=foo.example.com; "
              "receiver=mybox.example.org; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\"");
}

TEST(SpfReceivedSpf, EveryResultHasItsWords)
{
    const std::pair<Status, const char*> cases[] = {
        {Status::Fail, "fail (mybox.example.org: domain of myname@example.com does not designate"},
        {Status::SoftFail, "softfail (mybox.example.org: domain of transitioning"},
        {Status::Neutral, "neutral (mybox.example.org: 192.0.2.1 is neither permitted nor denied"},
        {Status::None,
         "none (mybox.example.org: domain of myname@example.com does not designate "
         "permitted sender hosts)"},
        {Status::TempError, "temperror (mybox.example.org: error in processing during lookup"},
        {Status::PermError, "permerror (mybox.example.org: permanent error in processing"},
    };
    for (const auto& [status, start] : cases) {
        Outcome outcome;
        outcome.status = status;
        const std::string field = received_spf_header(request(), outcome, Identity::MailFrom);
        EXPECT_EQ(field.rfind(std::string("Received-SPF: ") + start, 0), 0u) << field;
    }
}

TEST(SpfReceivedSpf, ProblemHeloAndQuoting)
{
    Request r = request();
    r.sender.clear();
    r.ip = boost::asio::ip::make_address("::ffff:192.0.2.1");
    Outcome outcome;
    outcome.status = Status::PermError;
    outcome.reason = "more than one SPF record at foo.example.com";
    EXPECT_EQ(received_spf_header(r, outcome, Identity::Helo),
              "Received-SPF: permerror (mybox.example.org: permanent error in processing domain "
              "of foo.example.com) client-ip=192.0.2.1; "
              "envelope-from=\"postmaster@foo.example.com\"; helo=foo.example.com; "
              "receiver=mybox.example.org; identity=helo; "
              "problem=\"more than one SPF record at foo.example.com\"");
}

TEST(SpfReceivedSpf, HostileValuesStayInOneField)
{
    Request r = request();
    r.sender = "a\"b\\c(d)@example.com";
    r.helo = "evil\r\nX-Injected: yes";
    Outcome outcome;
    outcome.status = Status::Fail;
    const std::string field = received_spf_header(r, outcome, Identity::MailFrom);
    EXPECT_EQ(field.find('\r'), std::string::npos);
    EXPECT_EQ(field.find('\n'), std::string::npos);
    EXPECT_NE(field.find("envelope-from=\"a\\\"b\\\\c(d)@example.com\""), std::string::npos)
        << field;
    EXPECT_NE(field.find("domain of a\"b\\\\c\\(d\\)@example.com"), std::string::npos) << field;
    EXPECT_NE(field.find("helo=\"evil??X-Injected: yes\""), std::string::npos) << field;
}

}  // namespace
}  // namespace harbor::auth::spf
