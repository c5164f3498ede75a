// Test-only in-memory zone with the SPF suite driver's rules (suite_zone.hpp).
#include "auth/spf/suite_zone.hpp"

#include <stdexcept>

#include "core/ascii.hpp"
#include "dns/rdata.hpp"

namespace harbor::auth::spf::test {

namespace {

std::string key_of(std::string_view name)
{
    std::string key = ascii_lowercase(name);
    while (!key.empty() && key.back() == '.') {
        key.pop_back();
    }
    return key;
}

// The driver's pydns emulation: empty labels vanish, a label over 63 octets is an error.
Result<std::string> normalize(std::string_view name)
{
    std::string out;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string_view::npos) {
            dot = name.size();
        }
        const std::string_view label = name.substr(start, dot - start);
        if (label.size() > 63) {
            return unexpected(Errc::TempFail, "DNS label longer than 63 octets");
        }
        if (!label.empty()) {
            if (!out.empty()) {
                out += '.';
            }
            out += ascii_lowercase(label);
        }
        start = dot + 1;
    }
    return out;
}

ZoneLookups::Entry entry_from_json(const std::string& type, const nlohmann::json& value)
{
    ZoneLookups::Entry entry;
    entry.type = type;
    if (value.is_string() && value.get<std::string>() == "TIMEOUT") {
        entry.timeout = true;
        return entry;
    }
    if (type == "TXT" || type == "SPF") {
        if (value.is_string()) {
            if (value.get<std::string>() == "NONE") {
                entry.none = true;
            } else {
                entry.strings.push_back(value.get<std::string>());
            }
        } else {
            for (const auto& piece : value) {
                entry.strings.push_back(piece.get<std::string>());
            }
        }
        return entry;
    }
    if (type == "MX") {
        entry.preference = value.at(0).get<std::uint16_t>();
        entry.strings.push_back(value.at(1).get<std::string>());
        return entry;
    }
    if (type == "A" || type == "AAAA" || type == "PTR" || type == "CNAME") {
        entry.strings.push_back(value.get<std::string>());
        return entry;
    }
    throw std::invalid_argument("unknown record type " + type);
}

std::string host_name(std::string_view name)
{
    return key_of(name);
}

}  // namespace

ZoneLookups ZoneLookups::from_suite(const nlohmann::json& zonedata)
{
    ZoneLookups zone;
    if (zonedata.is_null()) {
        return zone;
    }
    for (const auto& [name, entries] : zonedata.items()) {
        for (const auto& item : entries) {
            if (item.is_string()) {
                if (item.get<std::string>() != "TIMEOUT") {
                    throw std::invalid_argument("unknown zone entry " + item.dump());
                }
                Entry timeout;
                timeout.timeout = true;
                zone.add(name, std::move(timeout));
                continue;
            }
            for (const auto& [type, value] : item.items()) {
                zone.add(name, entry_from_json(type, value));
            }
        }
    }
    return zone;
}

void ZoneLookups::add(std::string_view name, Entry entry)
{
    names_[key_of(name)].push_back(std::move(entry));
}

void ZoneLookups::replace(std::string_view name, std::string_view type, std::vector<Entry> entries)
{
    std::vector<Entry>& list = names_[key_of(name)];
    std::erase_if(list, [&](const Entry& entry) { return entry.type == type; });
    for (Entry& entry : entries) {
        list.push_back(std::move(entry));
    }
}

Result<ZoneLookups::Found> ZoneLookups::resolve(std::string_view name, std::string_view type,
                                                int depth) const
{
    Result<std::string> key = normalize(name);
    if (!key) {
        return unexpected(std::move(key).error());
    }
    if (!failing_label_.empty() && iequals(key->substr(0, key->find('.')), failing_label_)) {
        return unexpected(Errc::TempFail, "timeout (" + failing_label_ + ")");
    }
    const auto it = names_.find(*key);
    if (it == names_.end()) {
        if (key->starts_with("error.")) {
            return unexpected(Errc::TempFail, "timeout (error. name)");
        }
        Found nx;
        nx.nxdomain = true;
        return nx;
    }
    // SPF-type records are served as TXT, after the others, unless the name has TXT entries.
    std::vector<std::pair<const Entry*, bool>> listed;  // entry, served as the queried type
    bool has_txt = false;
    for (const Entry& entry : it->second) {
        listed.emplace_back(&entry, entry.type == type);
        has_txt = has_txt || entry.type == "TXT";
    }
    if (type == "TXT" && !has_txt) {
        for (const Entry& entry : it->second) {
            if (entry.type == "SPF") {
                listed.emplace_back(&entry, true);
            }
        }
    }
    Found found;
    for (const auto& [entry, matches] : listed) {
        if (entry->type.empty() && entry->timeout) {
            if (found.records.empty()) {
                return unexpected(Errc::TempFail, "timeout");
            }
            break;
        }
        if (matches) {
            if (entry->timeout) {
                return unexpected(Errc::TempFail, "timeout");
            }
            if (!entry->none) {
                found.records.push_back(entry);
            }
        } else if (entry->type == "CNAME" && type != "CNAME") {
            if (depth >= 8) {
                return unexpected(Errc::TempFail, "CNAME chain too long (a loop?)");
            }
            Result<Found> target = resolve(entry->strings.at(0), type, depth + 1);
            if (!target) {
                return unexpected(std::move(target).error());
            }
            found.records.insert(found.records.end(), target->records.begin(),
                                 target->records.end());
        }
    }
    return found;
}

template <typename T, typename Convert>
Result<dns::Answer<T>> ZoneLookups::answer(std::string_view name, std::string_view type,
                                           Convert convert)
{
    queries_.push_back(std::string(type) + ' ' + std::string(name));
    Result<Found> found = resolve(name, type, 0);
    if (!found) {
        return unexpected(std::move(found).error());
    }
    dns::Answer<T> out;
    if (found->nxdomain) {
        out.existence = dns::Existence::NxDomain;
        return out;
    }
    for (const Entry* entry : found->records) {
        Result<T> record = convert(*entry);
        if (!record) {
            return unexpected(std::move(record).error());
        }
        out.records.push_back(std::move(*record));
    }
    out.existence = out.records.empty() ? dns::Existence::NoData : dns::Existence::Records;
    return out;
}

ZoneLookups::Awaitable<Result<dns::AnswerTxt>> ZoneLookups::txt(std::string name)
{
    co_return answer<std::string>(name, "TXT", [](const Entry& entry) -> Result<std::string> {
        std::string joined;
        for (const std::string& piece : entry.strings) {
            joined += piece;
        }
        return joined;
    });
}

ZoneLookups::Awaitable<Result<dns::AnswerA>> ZoneLookups::a(std::string name)
{
    using V4 = boost::asio::ip::address_v4;
    co_return answer<V4>(name, "A", [](const Entry& entry) -> Result<V4> {
        boost::system::error_code error;
        const V4 address = boost::asio::ip::make_address_v4(entry.strings.at(0), error);
        if (error) {
            return unexpected(Errc::TempFail, "malformed A " + entry.strings.at(0));
        }
        return address;
    });
}

ZoneLookups::Awaitable<Result<dns::AnswerAaaa>> ZoneLookups::aaaa(std::string name)
{
    using V6 = boost::asio::ip::address_v6;
    co_return answer<V6>(name, "AAAA", [](const Entry& entry) -> Result<V6> {
        boost::system::error_code error;
        const V6 address = boost::asio::ip::make_address_v6(entry.strings.at(0), error);
        if (error) {
            return unexpected(Errc::TempFail, "malformed AAAA " + entry.strings.at(0));
        }
        return address;
    });
}

ZoneLookups::Awaitable<Result<dns::AnswerMx>> ZoneLookups::mx(std::string name)
{
    co_return answer<dns::Mx>(name, "MX", [](const Entry& entry) -> Result<dns::Mx> {
        return dns::Mx{entry.preference, host_name(entry.strings.at(0))};
    });
}

ZoneLookups::Awaitable<Result<dns::AnswerPtr>> ZoneLookups::ptr(boost::asio::ip::address address)
{
    co_return answer<std::string>(
        dns::reverse_name(address), "PTR",
        [](const Entry& entry) -> Result<std::string> { return host_name(entry.strings.at(0)); });
}

}  // namespace harbor::auth::spf::test
