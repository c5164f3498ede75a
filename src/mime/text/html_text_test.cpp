// HTML to text: the text rules (skipped elements, blocks, whitespace, references, <pre>, alt
// text, hidden text), links and images with the phishing-link check, flags, hostile input
// (deep nesting, unclosed tags, huge attributes and inputs) and every limit.
#include "mime/text/html_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mime/text/html_input.hpp"

namespace harbor::mime {
namespace {

struct TextCase {
    const char* name;
    std::string html;
    std::string want;
};

TEST(HtmlText, TextRules)
{
    const std::vector<TextCase> cases = {
        {"inline whitespace collapses", "<p>Hello  \n\t <b>big</b>   world</p>", "Hello big world"},
        {"script style comment", "a<script>var x = '<p>no</p>';</script>b<style>p{}</style>c"
                                 "<!-- hidden comment -->d",
         "abcd"},
        {"head and title are not body text",
         "<html><head><title>T</title><meta name=x></head><body>body</body></html>", "body"},
        {"template", "x<template><p>t</p></template>y", "xy"},
        {"paragraphs", "<p>one</p><p>two</p>", "one\ntwo"},
        {"div inside text", "before<div>inside</div>after", "before\ninside\nafter"},
        {"br", "a<br>b<br><br>c", "a\nb\n\nc"},
        {"many br give one empty line", "a<br><br><br><br>b", "a\n\nb"},
        {"br at a block end", "<div>a<br></div><div>b</div>", "a\nb"},
        {"lists", "<ul><li>one</li><li>two</li></ul><ol><li>three</ol>", "one\ntwo\nthree"},
        {"headings and quotes", "<h1>Title</h1><blockquote>q</blockquote><h6>s</h6>",
         "Title\nq\ns"},
        {"table rows and cells",
         "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>",
         "a b\nc d"},
        {"references decoded", "&amp; &lt;b&gt; caf&eacute; &#x263A; &#8364;",
         "& <b> caf\xc3\xa9 \xe2\x98\xba \xe2\x82\xac"},
        {"no-break spaces collapse", "a&nbsp;&nbsp; b", "a b"},
        {"pre keeps whitespace", "x<pre>  a   b\n   c</pre>y", "x\n  a   b\n   c\ny"},
        {"img alt in place", "see <img src=a.png alt=\"the  logo\">here", "see the logo here"},
        {"hidden text dropped",
         "a<span style=\"DISPLAY : None\">b</span>c<div style=\"visibility:hidden\">d</div>"
         "<p hidden>e</p>f",
         "ac\nf"},
        {"unclosed tags", "<div><p>one<p>two<b>bold<i>both", "one\ntwoboldboth"},
        {"stray markup", "a < b > c </nope> d <", "a < b > c d <"},
        {"no leading or trailing breaks", "<div><p>\n  x  \n</p></div>", "x"},
        {"utf-8 kept", "<p>\xe6\x97\xa5\xe6\x9c\xac \xd0\x9c\xd0\xb8\xd1\x80</p>",
         "\xe6\x97\xa5\xe6\x9c\xac \xd0\x9c\xd0\xb8\xd1\x80"},
        {"empty", "", ""},
    };
    for (const TextCase& c : cases) {
        EXPECT_EQ(html_text(c.html).text, c.want) << c.name;
    }
}

TEST(HtmlText, Title)
{
    const HtmlText html = html_text("<head><title>  Your\n  invoice </title></head>body");
    EXPECT_EQ(html.title, "Your invoice");
    EXPECT_EQ(html.text, "body");
}

TEST(HtmlText, InvalidUtf8BecomesReplacementCharacters)
{
    const HtmlText html = html_text("a\xff" "b");
    EXPECT_EQ(html.text, "a\xef\xbf\xbd" "b");
    EXPECT_TRUE(html.had_invalid);
}

TEST(HtmlText, LinksWithAnchorText)
{
    const HtmlText html = html_text(
        "<a href=\" https://ex.example/a\n?b=1 \">Read <b>more</b>\n here</a>"
        "<a name=top>not a link</a>"
        "<map><area href=\"https://ex.example/map\" alt=\"Map  area\"></map>"
        "<a href=\"mailto:x@ex.example\">write</a>");
    ASSERT_EQ(html.links.size(), 3u);
    EXPECT_EQ(html.links[0].url, "https://ex.example/a?b=1");
    EXPECT_EQ(html.links[0].text, "Read more here");
    EXPECT_EQ(html.links[1].url, "https://ex.example/map");
    EXPECT_EQ(html.links[1].text, "Map area");
    EXPECT_EQ(html.links[2].url, "mailto:x@ex.example");
    EXPECT_EQ(html.links[2].text, "write");
    EXPECT_FALSE(html.flags.has_link_host_mismatch);
}

struct LinkCase {
    const char* name;
    std::string html;
    bool mismatch;
};

TEST(HtmlText, PhishingLinks)
{
    const std::vector<LinkCase> cases = {
        {"other host", "<a href=\"https://evil.example/login\">www.paypal.com</a>", true},
        {"url text other host", "<a href=\"http://evil.example\">https://bank.com/x</a>", true},
        {"bare domain text", "<a href=\"https://evil.example/\">paypal.com</a>", true},
        {"lookalike suffix", "<a href=\"https://paypal.com.evil.example/\">paypal.com</a>", true},
        {"javascript behind a url", "<a href=\"javascript:go()\">https://bank.com</a>", true},
        {"area alt", "<area href=\"https://evil.example/\" alt=\"paypal.com\">", true},
        {"same host", "<a href=\"https://www.example.com/x\">www.example.com</a>", false},
        {"www and bare", "<a href=\"https://example.com/\">www.example.com</a>", false},
        {"subdomain", "<a href=\"https://mail.example.com/\">example.com</a>", false},
        {"host case and port", "<a href=\"HTTPS://u@Example.COM:8443/\">example.com</a>", false},
        {"words", "<a href=\"https://evil.example/\">click here</a>", false},
        {"file name", "<a href=\"https://files.example/1\">invoice.pdf</a>", false},
        {"e-mail address", "<a href=\"mailto:a@b.example\">a@bank.com</a>", false},
        {"relative", "<a href=\"/x\">https://bank.com</a>", false},
    };
    for (const LinkCase& c : cases) {
        const HtmlText html = html_text(c.html);
        ASSERT_EQ(html.links.size(), 1u) << c.name;
        EXPECT_EQ(html.links[0].text_host_mismatch, c.mismatch) << c.name;
        EXPECT_EQ(html.flags.has_link_host_mismatch, c.mismatch) << c.name;
    }
}

TEST(HtmlText, Hosts)
{
    EXPECT_EQ(url_host("https://user:pw@Host.Example:8080/x?y#z"), "host.example");
    EXPECT_EQ(url_host("http://[2001:db8::1]:25/"), "[2001:db8::1]");
    EXPECT_EQ(url_host("//cdn.example./a"), "cdn.example");
    EXPECT_EQ(url_host("http://evil.example\\@good.example/"), "evil.example");
    EXPECT_EQ(url_host("mailto:a@b.example"), "");
    EXPECT_EQ(text_host("  WWW.Bank.example/login "), "www.bank.example");
    EXPECT_EQ(text_host("bank.com:443"), "bank.com");
    EXPECT_EQ(text_host("10.0.0.1"), "10.0.0.1");
    EXPECT_EQ(text_host("xn--80ak6aa92e.com"), "xn--80ak6aa92e.com");
    EXPECT_EQ(text_host("report.docx"), "");
    EXPECT_EQ(text_host("a..com"), "");
    EXPECT_EQ(text_host("ftp://files.example"), "files.example");
    EXPECT_EQ(text_host("gopher://x.com"), "");
}

TEST(HtmlText, Images)
{
    const HtmlText html = html_text(
        "<body background=\"bg.png\"><img src=\"cid:logo@x\"><img alt=x>"
        "<table><td background=\"https://t.example/p.gif\">c</td></table></body>");
    EXPECT_EQ(html.images,
              (std::vector<std::string>{"bg.png", "cid:logo@x", "https://t.example/p.gif"}));
}

TEST(HtmlText, Flags)
{
    EXPECT_TRUE(html_text("<form action=x><input name=p></form>").flags.has_form);
    EXPECT_TRUE(html_text("<script>x()</script>").flags.has_script);
    EXPECT_TRUE(html_text("<p onclick=\"x()\">a</p>").flags.has_script);
    EXPECT_TRUE(html_text("<a href=\"javascript:x()\">a</a>").flags.has_script);
    EXPECT_TRUE(html_text("<div style=\"display:none\">x</div>").flags.has_hidden_text);
    EXPECT_FALSE(html_text("<div style=\"display:none\"> </div>").flags.has_hidden_text);
    const HtmlFlags none = html_text("<p>plain <a href=\"https://a.example\">a</a></p>").flags;
    EXPECT_FALSE(none.has_form || none.has_script || none.has_hidden_text ||
                 none.has_link_host_mismatch);
}

TEST(HtmlText, HiddenLinksAreStillCollected)
{
    const HtmlText html =
        html_text("<div style=\"display:none\"><a href=\"https://h.example\">x</a></div>");
    EXPECT_EQ(html.text, "");
    ASSERT_EQ(html.links.size(), 1u);
    EXPECT_EQ(html.links[0].url, "https://h.example");
    EXPECT_EQ(html.links[0].text, "");
}

TEST(HtmlText, DeepNestingIsWalkedWithoutRecursion)
{
    // 100000 nested elements: a recursive walk would overflow the stack (ASan build).
    std::string html;
    for (int i = 0; i < 100000; ++i) {
        html += "<div>";
    }
    html += "deep <a href=\"https://d.example/\">link</a>";
    for (int i = 0; i < 100000; ++i) {
        html += "</div>";
    }
    HtmlLimits limits;
    limits.max_tags = 300000;
    const HtmlText deep = html_text(html, limits);
    EXPECT_EQ(deep.text, "deep link");
    ASSERT_EQ(deep.links.size(), 1u);
    EXPECT_FALSE(deep.truncated);
    // With the default limits the same input is cut at max_tags, and flagged.
    const HtmlText cut = html_text(html);
    EXPECT_TRUE(cut.truncated);
    EXPECT_EQ(cut.text, "");
}

TEST(HtmlText, UnclosedDeepInlineNesting)
{
    std::string html;
    for (int i = 0; i < 20000; ++i) {
        html += "<b><i>x";  // 40000 open elements, never closed
    }
    const HtmlText text = html_text(html);
    EXPECT_EQ(text.text, std::string(20000, 'x'));
    EXPECT_FALSE(text.truncated);
}

TEST(HtmlText, HugeAttributes)
{
    const std::string value(1024 * 1024, 'a');
    const HtmlText html = html_text("<a href=\"https://h.example/" + value +
                                    "\">go</a>x<img src=\"" + value + value + "\">");
    ASSERT_EQ(html.links.size(), 1u);
    EXPECT_EQ(html.links[0].url.size(), default_max_url);
    EXPECT_EQ(html.text, "gox");
    EXPECT_TRUE(html.truncated);  // the URL, and the input (cut inside the <img>)
}

TEST(HtmlText, ManyAttributesInOneTagAreCut)
{
    std::string tag = "before<p";
    for (int i = 0; i < 300; ++i) {
        tag += " a" + std::to_string(i) + "=1";
    }
    const HtmlText html = html_text(tag + ">after");
    EXPECT_EQ(html.text, "before");
    EXPECT_TRUE(html.truncated);
}

TEST(HtmlText, TenMegabyteInputIsCapped)
{
    std::string html;
    while (html.size() < 10 * 1024 * 1024) {
        html += "<p>lorem ipsum dolor sit amet</p>\n";
    }
    const HtmlText text = html_text(html);
    EXPECT_TRUE(text.truncated);
    EXPECT_LE(text.text.size(), default_max_text_output);
    EXPECT_TRUE(text.text.starts_with("lorem ipsum dolor sit amet\nlorem"));
}

TEST(HtmlText, OutputLimitCutsOnACharacter)
{
    HtmlLimits limits;
    limits.max_output = 4;
    const HtmlText text = html_text("ab\xe2\x82\xac" "cd", limits);
    EXPECT_EQ(text.text, "ab");
    EXPECT_TRUE(text.truncated);
}

TEST(HtmlText, LinkImageAndTextLimits)
{
    HtmlLimits limits;
    limits.max_links = 2;
    limits.max_images = 1;
    limits.max_link_text = 5;
    const HtmlText html = html_text(
        "<a href=a>123456789</a><a href=b>x</a><a href=c>y</a><img src=i1><img src=i2>",
        limits);
    ASSERT_EQ(html.links.size(), 2u);
    EXPECT_EQ(html.links[0].text, "12345");
    EXPECT_EQ(html.images, std::vector<std::string>{"i1"});
    EXPECT_TRUE(html.truncated);
}

TEST(HtmlText, AltTextCutOnACharacter)
{
    // fuzz_html_text: an <area alt> longer than max_link_text was cut inside a character.
    HtmlLimits limits;
    limits.max_link_text = 5;
    const HtmlText html = html_text("<area href=x alt=\"\xc3\xa9\xc3\xa9\xc3\xa9\">", limits);
    ASSERT_EQ(html.links.size(), 1u);
    EXPECT_EQ(html.links[0].text, "\xc3\xa9\xc3\xa9");
}

TEST(HtmlInput, CountsOnlyWhatTheParserBuilds)
{
    HtmlLimits limits;
    limits.max_tags = 4;  // <p, <!--, <script and </script
    // '<' in comments, quoted values and script text are not tags.
    const std::string html =
        "<p title=\"a<b<c\"><!-- <x><y> --><script>if (a<b && c<d) {}</script>z";
    EXPECT_EQ(html_bounded_length(html, limits), html.size());
    limits.max_tags = 2;
    EXPECT_EQ(html_bounded_length("<a><b><c>", limits), 6u);
    limits.max_tags = 100;
    limits.max_tag_attributes = 2;
    EXPECT_EQ(html_bounded_length("<a x=1 y='2 3'>t<b x y z>", limits), 16u);
    limits.max_tag_attributes = 100;
    limits.max_attributes = 3;
    EXPECT_EQ(html_bounded_length("<a x y><b z><c w>", limits), 12u);
}

}  // namespace
}  // namespace harbor::mime
