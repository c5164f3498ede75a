// Downconversion of random messages (nested multipart/mixed, message/rfc822, 8-bit text with
// or without an encoding field, binary attachments): each converted message keeps its decoded
// bytes per part, checked with our parser and with Python's email package.
#include "mime/builder/downconvert.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mime/body.hpp"
#include "mime/builder/builder_test_support.hpp"
#include "mime/builder/downconvert_test_support.hpp"

namespace harbor::mime {
namespace {

// Random messages: nested multipart/mixed, message/rfc822, text in 8bit or without an
// encoding field, binary attachments, 7bit parts, CRLF line ends.
class RandomMessage {
public:
    explicit RandomMessage(std::uint32_t seed) : random_(seed) {}

    std::string message()
    {
        return "From: a@example.org\r\nSubject: random\r\nMIME-Version: 1.0\r\n" + entity(0);
    }

private:
    std::string binary()
    {
        std::string bytes;
        const std::size_t size = random_.below(400);
        for (std::size_t i = 0; i < size; ++i) {
            bytes += static_cast<char>(random_.below(256));
        }
        return bytes;
    }

    // Text with CRLF line ends only (other CR and LF become spaces).
    std::string text()
    {
        std::string raw = random_.utf8(30);
        for (char& c : raw) {
            if (c == '\r' || c == '\n') {
                c = ' ';
            }
        }
        std::string out;
        for (const char c : raw) {
            out += c;
            if (random_.below(40) == 0) {
                out += "\r\n";
            }
        }
        if (random_.below(3) == 0) {
            out += "\r\n--not-a-boundary \xc3\xa9\r\n.\r\nFrom me\r\n";
        }
        return out;
    }

    std::string entity(std::size_t depth)
    {
        const std::size_t kind = depth < 3 ? random_.below(6) : 3 + random_.below(3);
        if (kind <= 1) {
            const std::string boundary = "=_b" + std::to_string(counter_++) + "_harbor";
            std::string out = "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n";
            if (random_.below(2) == 0) {
                out += "Content-Transfer-Encoding: 8bit\r\n";
            }
            out += "\r\npreamble\r\n";
            const std::size_t children = 1 + random_.below(4);
            for (std::size_t i = 0; i < children; ++i) {
                out += "--" + boundary + "\r\n" + entity(depth + 1) + "\r\n";
            }
            return out + "--" + boundary + "--\r\n";
        }
        if (kind == 2) {
            return "Content-Type: message/rfc822\r\n" +
                   std::string(random_.below(2) == 0 ? "Content-Transfer-Encoding: 8bit\r\n" : "") +
                   "\r\nSubject: inner\r\n" + entity(depth + 1);
        }
        if (kind == 3) {
            static const char* const encodings[] = {"", "Content-Transfer-Encoding: 8bit\r\n",
                                                    "Content-Transfer-Encoding: 7bit\r\n"};
            return "Content-Type: text/plain; charset=utf-8\r\n" +
                   std::string(encodings[random_.below(3)]) + "\r\n" + text();
        }
        if (kind == 4) {
            return "Content-Type: application/octet-stream\r\n"
                   "Content-Transfer-Encoding: binary\r\n\r\n" +
                   binary();
        }
        return "Content-Type: text/plain\r\n\r\nseven bit only\r\n";
    }

    test::RandomText random_;
    std::size_t counter_ = 0;
};

TEST(Downconvert, RandomMessagesKeepTheirContent)
{
    std::size_t changed = 0;
    for (std::uint32_t seed = 0; seed < 500; ++seed) {
        const std::string raw = RandomMessage(seed).message();
        const DowngradeResult result = downconvert_to_7bit(raw);
        if (result.status == DowngradeStatus::Unchanged) {
            EXPECT_TRUE(clean_7bit(raw)) << "seed " << seed;
            continue;
        }
        SCOPED_TRACE("seed " + std::to_string(seed));
        expect_same_content(raw, result);
        ++changed;
    }
    EXPECT_GT(changed, 300U);
}

// Python's email package (not our parser) reads each original and converted message: same
// leaves, same content types, same decoded bytes; the converted one is 7-bit clean.
constexpr const char* python_check = R"PY(
import email, os, sys
d = sys.argv[1]
failed = 0
names = sorted(n for n in os.listdir(d) if n.startswith("orig_"))
for name in names:
    with open(os.path.join(d, name), "rb") as f:
        original = f.read()
    with open(os.path.join(d, "conv_" + name[5:]), "rb") as f:
        converted = f.read()
    problems = []
    if any(b >= 0x80 for b in converted):
        problems.append("not 7-bit clean")
    a = [p for p in email.message_from_bytes(original).walk() if not p.is_multipart()]
    b = [p for p in email.message_from_bytes(converted).walk() if not p.is_multipart()]
    if len(a) != len(b):
        problems.append("%d leaves != %d" % (len(a), len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        if x.get_content_type() != y.get_content_type():
            problems.append("leaf %d type %s != %s" % (i, x.get_content_type(), y.get_content_type()))
        if x.get_payload(decode=True) != y.get_payload(decode=True):
            problems.append("leaf %d: %r != %r" % (i, x.get_payload(decode=True)[:80], y.get_payload(decode=True)[:80]))
    if problems:
        failed += 1
        print(name, "; ".join(problems))
print("%d passed, %d failed" % (len(names) - failed, failed))
sys.exit(1 if failed else 0)
)PY";

TEST(Downconvert, PythonEmailDecodesTheSameBytes)
{
    if (!std::filesystem::exists("/usr/bin/python3")) {
        GTEST_SKIP() << "no /usr/bin/python3";
    }
    char pattern[] = "/tmp/harbor-downconvert-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    const std::filesystem::path dir(pattern);
    const auto write = [&](const std::string& name, std::string_view bytes) {
        std::ofstream out(dir / name, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    };
    std::vector<std::string> samples = {
        "Content-Type: text/plain; charset=iso-8859-1\r\n\r\nGr\xfc\xdf\x65\r\n.\r\nFrom x\r\n",
        "Subject: x\r\n\r\ncaf\xc3\xa9",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
        "caf\xc3\xa9 x--b\r\n--b--\r\n",
        "Content-Type: multipart/mixed; boundary=b\n\n--b\n\n\xe9t\xe9\nline \n--b\n"
        "Content-Type: application/octet-stream\n\n\xff\xfe\n--b--\n",
        "Content-Type: text/plain\r\n\r\n" + std::string(500, '\xe9') + "  \r\n\tx\xe9\r",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVs\xff"
        "bG8=\r\n--b\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nna\xefve =3D\r\n--b--\r\n",
        "Content-Type: multipart/mixed; boundary=b\r\n\r\nPr\xe9\x61mbule\r\n--b\r\n\r\nok\r\n"
        "--b--\r\n\xff\r\n",
        "Content-Type: multipart/mixed; boundary=out\r\n\r\n--out\r\n"
        "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Subject: inner\r\n\r\ninner \xe9t\xe9\r\n--out--\r\n",
    };
    for (std::uint32_t seed = 1000; seed < 1200; ++seed) {
        samples.push_back(RandomMessage(seed).message());
    }
    std::size_t written = 0;
    for (const std::string& raw : samples) {
        const DowngradeResult result = downconvert_to_7bit(raw);
        if (result.status != DowngradeStatus::Changed) {
            continue;
        }
        const std::string number = std::to_string(1000 + written++);
        write("orig_" + number + ".eml", raw);
        write("conv_" + number + ".eml", result.bytes);
    }
    EXPECT_GT(written, 100U);
    write("check.py", python_check);
    const std::string command = "/usr/bin/python3 " + (dir / "check.py").string() + " " +
                                dir.string() + " > " + (dir / "out.txt").string() + " 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(dir / "out.txt");
    const std::string output((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    EXPECT_EQ(status, 0) << output;
    EXPECT_NE(output.find(" 0 failed"), std::string::npos) << output;
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace harbor::mime
