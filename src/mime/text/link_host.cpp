// Hosts of URLs and of anchor text that looks like a URL, for the phishing-link check in
// html_text.cpp (a link shows one site and goes to another). See html_text.hpp.
// SECURITY: inputs are untrusted strings already capped by HtmlLimits::max_url and
// max_link_text; each function is one linear pass.
#include <array>
#include <string>
#include <string_view>

#include "mime/text/html_text.hpp"

#include "core/ascii.hpp"

namespace harbor::mime {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string lower(std::string_view text)
{
    std::string result(text);
    for (char& c : result) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return result;
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

// The length of an RFC 3986 §3.1 scheme followed by ':' at the start of `url`, or 0.
std::size_t scheme_length(std::string_view url)
{
    if (url.empty() || !is_ascii_alpha(url.front())) {
        return 0;
    }
    for (std::size_t i = 1; i < url.size(); ++i) {
        const char c = url[i];
        if (c == ':') {
            return i;
        }
        if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '+' && c != '-' && c != '.') {
            return 0;
        }
    }
    return 0;
}

// RFC 3986 §3.2: authority = [ userinfo "@" ] host [ ":" port ]; browsers also end it at '\'.
std::string host_of_authority(std::string_view rest)
{
    const std::size_t end = rest.find_first_of("/?#\\");
    std::string_view authority = rest.substr(0, end);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        authority.remove_prefix(at + 1);
    }
    std::string_view host;
    if (!authority.empty() && authority.front() == '[') {  // RFC 3986 §3.2.2 IP-literal
        host = authority.substr(0, authority.find(']') + 1);
    } else {
        host = authority.substr(0, authority.find(':'));
    }
    while (!host.empty() && host.back() == '.') {  // "example.com." is example.com
        host.remove_suffix(1);
    }
    return lower(host);
}

// Top-level domains common enough that "name.tld" in anchor text means a site, not a file
// name such as "invoice.pdf". Text with a scheme or "www." needs no list.
constexpr std::array<std::string_view, 40> common_tlds = {
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io",
    "co",  "me",  "us",  "uk",  "de",  "fr",  "ru",  "cn",  "jp",  "br",
    "in",  "it",  "nl",  "es",  "au",  "ca",  "ch",  "se",  "no",  "pl",
    "eu",  "xyz", "top", "online", "site", "app", "shop", "club", "ly", "cc",
};

// A dotted name of letters, digits, '-' and non-ASCII (IDN) labels, or an IPv4 address.
bool looks_like_host(std::string_view host, bool need_known_tld)
{
    const std::size_t last_dot = host.rfind('.');
    if (last_dot == std::string_view::npos || last_dot == 0 || last_dot + 1 == host.size()) {
        return false;
    }
    char previous = '.';
    for (const char c : host) {
        const bool label_char = is_ascii_alpha(c) || is_ascii_digit(c) || c == '-' ||
                                static_cast<unsigned char>(c) >= 0x80;
        if (c == '.' ? previous == '.' : !label_char) {
            return false;  // an empty label or a character no host has
        }
        previous = c;
    }
    const std::string tld = lower(host.substr(last_dot + 1));
    const bool numeric = tld.find_first_not_of("0123456789") == std::string::npos;  // IPv4
    if (!need_known_tld || numeric || tld.starts_with("xn--")) {
        return true;
    }
    for (const std::string_view known : common_tlds) {
        if (tld == known) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string url_host(std::string_view url)
{
    url = trim(url);
    std::size_t scheme = scheme_length(url);
    std::string_view rest = url;
    if (scheme != 0) {
        rest.remove_prefix(scheme + 1);
    }
    if (!rest.starts_with("//")) {  // no authority: mailto:, javascript:, relative paths
        return {};
    }
    rest.remove_prefix(2);
    return host_of_authority(rest);
}

std::string text_host(std::string_view text)
{
    text = trim(text);
    for (const char c : text) {
        if (is_space(c)) {
            return {};  // words, not an address
        }
    }
    // "bank.com:443" is a host and port; only "scheme://" starts a URL in text.
    if (const std::size_t scheme = scheme_length(text);
        scheme != 0 && text.substr(scheme).starts_with("://")) {
        const std::string name = lower(text.substr(0, scheme));
        if (name != "http" && name != "https" && name != "ftp") {
            return {};
        }
        const std::string host = url_host(text);
        return host.empty() || host.front() == '[' || looks_like_host(host, false) ? host
                                                                                   : "";
    }
    if (text.find('@') != std::string_view::npos) {
        return {};  // an e-mail address
    }
    const std::string host = host_of_authority(text);
    const bool www = host.starts_with("www.");
    return looks_like_host(host, !www) ? host : "";
}

}  // namespace harbor::mime
