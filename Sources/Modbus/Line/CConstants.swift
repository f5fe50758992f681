import CModbus
#if canImport(Glibc)
import Glibc
#endif

// The C constants the line needs, as plain Swift values (libmodbus' error macros reach Swift
// only through the shim's re-exports).
let lanterne_modbus_enobase_value = Int32(lanterne_modbus_enobase)
let lanterne_modbus_embbadcrc_value = Int32(lanterne_modbus_embbadcrc)
let lanterne_modbus_embbaddata_value = Int32(lanterne_modbus_embbaddata)
let lanterne_modbus_embbadexc_value = Int32(lanterne_modbus_embbadexc)
let lanterne_modbus_embunkexc_value = Int32(lanterne_modbus_embunkexc)
let lanterne_modbus_embmdata_value = Int32(lanterne_modbus_embmdata)
let lanterne_modbus_embbadslave_value = Int32(lanterne_modbus_embbadslave)
let ETIMEDOUT_VALUE = ETIMEDOUT
let EINVAL_VALUE = EINVAL
