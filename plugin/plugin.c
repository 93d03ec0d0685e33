/* Entry points that Wireshark 4.0 looks up in a dissector plugin (epan/plugins.c, 4.0 ABI:
 * plugin_version, plugin_want_major/minor, plugin_register; 4.0 has no plugin_describe). */
#include <glib.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include "packet-esim.h"

#define ESIM_EXPORT __attribute__((visibility("default")))

ESIM_EXPORT const gchar plugin_version[] = ESIM_PLUGIN_VERSION;
ESIM_EXPORT const int plugin_want_major = 4;
ESIM_EXPORT const int plugin_want_minor = 0;

ESIM_EXPORT void plugin_register(void);

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_esim;
    plug.register_handoff = proto_reg_handoff_esim;
    proto_register_plugin(&plug);
}
