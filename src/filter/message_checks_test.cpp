// Unit tests for MailAuth::check_message: DKIM, ARC and DMARC over an in-memory zone, the
// local-domain spoofing mark, and the Authentication-Results they make. The end-to-end path
// (a real unbound, the SMTP server, its replies) is tests/interop/test_mail_auth.py.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "auth/dkim/crypto.hpp"
#include "auth/dkim/sign.hpp"
#include "auth/dkim/static_zone.hpp"
#include "filter/mail_auth.hpp"

namespace harbor::filter {
namespace {

namespace asio = boost::asio;
namespace dkim = auth::dkim;

constexpr std::string_view suffixes = "com\norg\nexample\n";

struct Signer {
    dkim::SigningKey key;
    std::string record;
};

Signer make_signer(const std::string& domain)
{
    Result<dkim::GeneratedKey> generated = dkim::generate_key(dkim::KeyType::Ed25519);
    EXPECT_TRUE(generated);
    return Signer{
        dkim::SigningKey{domain, "sel", std::move(generated->key), dkim::Algorithm::Ed25519Sha256},
        generated->key_record};
}

std::string message_from(const std::string& from)
{
    return "From: " + from + "\r\nTo: bob@ours.example\r\nSubject: hi\r\n\r\nHello.\r\n";
}

std::string signed_by(const Signer& signer, const std::string& message)
{
    Result<std::string> field = dkim::sign_message(message, signer.key);
    EXPECT_TRUE(field) << field.error().to_string();
    return *field + message;
}

class MessageChecks : public ::testing::Test {
protected:
    MessageChecks()
    {
        settings_.authserv_id = "mx.ours.example";
        settings_.public_suffixes = std::make_shared<auth::dmarc::PublicSuffixList>(
            auth::dmarc::PublicSuffixList::parse(suffixes));
        zone_.add_txt("_dmarc.ours.example", "v=DMARC1; p=reject");
        zone_.add_txt("_dmarc.bank.example", "v=DMARC1; p=quarantine");
    }

    MessageFindings run(const std::string& message, auth::spf::Status spf_status,
                        const std::string& spf_domain)
    {
        MailAuth checks(zone_, settings_);
        found_.spf = auth::spf::Outcome{};
        found_.spf->status = spf_status;
        found_.spf->domain = spf_domain;
        found_.client_ip = "192.0.2.7";
        asio::io_context io;
        std::optional<MessageFindings> out;
        auto is_local = [](const std::string& domain) { return domain == "ours.example"; };
        asio::co_spawn(io, checks.check_message(message, found_, is_local),
                       [&](std::exception_ptr error, MessageFindings findings) {
                           if (error) {
                               std::rethrow_exception(error);
                           }
                           out = std::move(findings);
                       });
        io.run();
        found_.message = *out;
        results_ = checks.results_field(found_, "x@" + spf_domain);
        return std::move(*out);
    }

    MailAuthSettings settings_;
    dkim::StaticZone zone_;
    MailAuthFindings found_;
    std::string results_;
};

TEST_F(MessageChecks, AnAlignedSignatureAuthenticatesOurDomain)
{
    const Signer signer = make_signer("ours.example");
    zone_.add_txt("sel._domainkey.ours.example", signer.record);
    const MessageFindings found = run(signed_by(signer, message_from("ceo@ours.example")),
                                      auth::spf::Status::Fail, "elsewhere.example");
    ASSERT_EQ(found.dkim.size(), 1u);
    EXPECT_EQ(found.dkim[0].result, dkim::Outcome::Pass);
    ASSERT_TRUE(found.dmarc);
    EXPECT_EQ(found.dmarc->outcome, auth::dmarc::Outcome::Pass);
    EXPECT_FALSE(found.spoofs_local_domain);
    EXPECT_EQ(found.arc.status, auth::arc::ChainStatus::None);
    EXPECT_EQ(results_,
              "Authentication-Results: mx.ours.example;\r\n"
              "\tspf=fail smtp.mailfrom=x@elsewhere.example;\r\n"
              "\tdkim=pass header.d=ours.example header.s=sel header.i=@ours.example "
              "header.a=ed25519-sha256;\r\n"
              "\tarc=none smtp.remote-ip=192.0.2.7;\r\n"
              "\tdmarc=pass (p=reject dis=none) header.from=ours.example\r\n");
}

TEST_F(MessageChecks, ATestingKeyAuthenticatesNothing)
{
    // RFC 6376 §3.6.1 t=y: "no different from unsigned".
    const Signer signer = make_signer("ours.example");
    zone_.add_txt("sel._domainkey.ours.example", signer.record + "; t=y");
    const MessageFindings found = run(signed_by(signer, message_from("ceo@ours.example")),
                                      auth::spf::Status::SoftFail, "elsewhere.example");
    ASSERT_EQ(found.dkim.size(), 1u);
    EXPECT_EQ(found.dkim[0].result, dkim::Outcome::Pass);
    EXPECT_TRUE(found.dkim[0].testing);
    EXPECT_EQ(found.dmarc->outcome, auth::dmarc::Outcome::Fail);
    EXPECT_EQ(found.disposition(), auth::dmarc::Policy::Reject);
    EXPECT_TRUE(found.spoofs_local_domain);
    EXPECT_NE(results_.find("dkim=pass (key in testing mode)"), std::string::npos) << results_;
}

TEST_F(MessageChecks, AnAlignedSpfPassAuthenticatesOurDomainWithoutAPolicy)
{
    zone_.txt_records.erase("_dmarc.ours.example");
    const MessageFindings passed =
        run(message_from("ceo@ours.example"), auth::spf::Status::Pass, "mail.ours.example");
    EXPECT_EQ(passed.dmarc->outcome, auth::dmarc::Outcome::None);
    EXPECT_FALSE(passed.spoofs_local_domain) << "relaxed alignment: mail.ours.example";
    const MessageFindings failed =
        run(message_from("ceo@ours.example"), auth::spf::Status::Pass, "elsewhere.example");
    EXPECT_TRUE(failed.spoofs_local_domain);
}

TEST_F(MessageChecks, OthersDomainsAreNeverMarked)
{
    const MessageFindings found =
        run(message_from("news@bank.example"), auth::spf::Status::None, "elsewhere.example");
    EXPECT_FALSE(found.spoofs_local_domain);
    EXPECT_EQ(found.disposition(), auth::dmarc::Policy::Quarantine);
    EXPECT_TRUE(found.dkim.empty());
    EXPECT_NE(results_.find("\tdkim=none;\r\n"), std::string::npos) << results_;
}

TEST_F(MessageChecks, TwoFromFieldsAreNotEvaluated)
{
    const std::string message =
        "From: a@bank.example\r\nFrom: b@ours.example\r\nSubject: x\r\n\r\nHi.\r\n";
    const MessageFindings found = run(message, auth::spf::Status::Pass, "bank.example");
    EXPECT_EQ(found.author.status, auth::dmarc::AuthorStatus::MultipleFromFields);
    EXPECT_FALSE(found.dmarc);
    EXPECT_NE(results_.find("dmarc=permerror reason="), std::string::npos) << results_;
}

}  // namespace
}  // namespace harbor::filter
