// GMime 3 parse and decode passes for bench_mime_parse. See mime_gmime_peer.hpp.
// Set up as GMime is fastest: the parser reads a seekable memory stream with persist-stream on
// (GMime's default for seekable input), so part contents stay references into the input as
// Harbor's offsets do, and each message's bytes are copied into their GByteArray only once,
// outside the timed passes. Decoded content goes to a null stream, which allocates nothing.
#include "mime_gmime_peer.hpp"

#include <gmime/gmime.h>

#include <cstring>

namespace harbor::bench {

struct GmimePeer::Arrays {
    std::vector<GByteArray*> messages;
};

namespace {

void walk(GMimeObject* object, Decode decode, GMimeStream* sink, PassTotals& totals)
{
    ++totals.parts;
    GMimeContentType* type = g_mime_object_get_content_type(object);
    if (type != nullptr) {
        totals.checksum += std::strlen(g_mime_content_type_get_media_type(type));
        totals.checksum += g_mime_content_type_get_parameter(type, "charset") != nullptr ? 1 : 0;
    }
    totals.checksum += g_mime_object_get_content_disposition(object) != nullptr ? 1 : 0;
    totals.fields += static_cast<std::size_t>(
        g_mime_header_list_get_count(g_mime_object_get_header_list(object)));
    if (GMIME_IS_MULTIPART(object)) {
        GMimeMultipart* multipart = GMIME_MULTIPART(object);
        const int count = g_mime_multipart_get_count(multipart);
        for (int i = 0; i < count; ++i) {
            walk(g_mime_multipart_get_part(multipart, i), decode, sink, totals);
        }
    } else if (GMIME_IS_MESSAGE_PART(object)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
        if (inner != nullptr) {
            GMimeObject* body = g_mime_message_get_mime_part(inner);
            if (body != nullptr) {
                walk(body, decode, sink, totals);
            }
        }
    } else if (GMIME_IS_PART(object) && decode == Decode::Leaves) {
        GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(object));
        if (content != nullptr) {
            g_mime_data_wrapper_write_to_stream(content, sink);  // undoes the CTE
        }
    }
}

}  // namespace

GmimePeer::GmimePeer(const std::vector<std::string>& messages) : arrays_(new Arrays)
{
    g_mime_init();
    for (const std::string& message : messages) {
        GByteArray* array = g_byte_array_sized_new(static_cast<guint>(message.size()));
        g_byte_array_append(array, reinterpret_cast<const guint8*>(message.data()),
                            static_cast<guint>(message.size()));
        arrays_->messages.push_back(array);
    }
}

GmimePeer::~GmimePeer()
{
    for (GByteArray* array : arrays_->messages) {
        g_byte_array_free(array, TRUE);
    }
    g_mime_shutdown();
}

PassTotals GmimePeer::parse_range(Decode decode, std::size_t begin, std::size_t end)
{
    PassTotals totals;
    GMimeStream* sink = g_mime_stream_null_new();
    for (std::size_t i = begin; i < end; ++i) {
        GByteArray* array = arrays_->messages[i];
        GMimeStream* stream = g_mime_stream_mem_new_with_byte_array(array);
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);  // the array is reused
        GMimeParser* parser = g_mime_parser_new_with_stream(stream);
        GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
        if (message != nullptr) {
            totals.fields += static_cast<std::size_t>(g_mime_header_list_get_count(
                g_mime_object_get_header_list(GMIME_OBJECT(message))));
            GMimeObject* body = g_mime_message_get_mime_part(message);
            if (body != nullptr) {
                walk(body, decode, sink, totals);
            }
            g_object_unref(message);
        }
        g_object_unref(parser);
        g_object_unref(stream);
    }
    totals.decoded_bytes = GMIME_STREAM_NULL(sink)->written;
    g_object_unref(sink);
    return totals;
}

}  // namespace harbor::bench
