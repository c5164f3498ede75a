// Lookups that fail at once after a deadline: the time limit of one check (SPF at MAIL, DKIM
// and DMARC at the end of data), so a slow zone holds a session for the limit plus one query
// timeout at most; the checks then report temperror.
#pragma once

#include <chrono>

#include "dns/lookups.hpp"

namespace harbor::filter {

class DeadlineLookups final : public dns::Lookups {
public:
    DeadlineLookups(dns::Lookups& inner, std::chrono::steady_clock::time_point deadline)
        : inner_(inner), deadline_(deadline)
    {
    }
    Awaitable<Result<dns::AnswerTxt>> txt(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.txt(std::move(name));
    }
    Awaitable<Result<dns::AnswerA>> a(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.a(std::move(name));
    }
    Awaitable<Result<dns::AnswerAaaa>> aaaa(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.aaaa(std::move(name));
    }
    Awaitable<Result<dns::AnswerMx>> mx(std::string name) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.mx(std::move(name));
    }
    Awaitable<Result<dns::AnswerPtr>> ptr(boost::asio::ip::address address) override
    {
        if (late()) {
            co_return too_late();
        }
        co_return co_await inner_.ptr(address);
    }

private:
    bool late() const { return std::chrono::steady_clock::now() >= deadline_; }
    static Unexpected too_late() { return unexpected(Errc::TempFail, "the check took too long"); }

    dns::Lookups& inner_;
    std::chrono::steady_clock::time_point deadline_;
};

}  // namespace harbor::filter
