// The libmodbus 3.1.x API as the Modbus module sees it. Nothing but declarations: the
// exception and error macros of <modbus/modbus.h> do not import into Swift (they are built
// from other macros), so they are re-exported here as constants.
#ifndef LANTERNE_CMODBUS_SHIM_H
#define LANTERNE_CMODBUS_SHIM_H

#include <errno.h>
#include <modbus/modbus.h>

static const int lanterne_modbus_enobase = MODBUS_ENOBASE;
static const int lanterne_modbus_embbadcrc = EMBBADCRC;
static const int lanterne_modbus_embbaddata = EMBBADDATA;
static const int lanterne_modbus_embbadexc = EMBBADEXC;
static const int lanterne_modbus_embunkexc = EMBUNKEXC;
static const int lanterne_modbus_embmdata = EMBMDATA;
static const int lanterne_modbus_embbadslave = EMBBADSLAVE;
static const int lanterne_modbus_rtu_rs485 = MODBUS_RTU_RS485;
static const int lanterne_modbus_rtu_rs232 = MODBUS_RTU_RS232;

/// errno of the calling thread, read right after a failing libmodbus call.
static inline int lanterne_modbus_errno(void) { return errno; }
/// Sets errno to 0 before a call whose failure must be told apart from stale values.
static inline void lanterne_modbus_clear_errno(void) { errno = 0; }

#endif
