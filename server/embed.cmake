# embed.cmake: writes the file IN as a C byte array NAME (default srv_openapi_json), with
# its length in NAME_len, into OUT.
if(NOT NAME)
  set(NAME srv_openapi_json)
endif()
get_filename_component(from ${IN} NAME)
file(READ ${IN} hex HEX)
string(LENGTH "${hex}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n"
  bytes "${bytes}")
file(WRITE ${OUT} "/* Generated from ${from} by embed.cmake; do not edit. */\n"
  "#include <stddef.h>\n"
  "extern const char ${NAME}[];\nextern const size_t ${NAME}_len;\n"
  "const char ${NAME}[] = {\n${bytes}0x00};\n"
  "const size_t ${NAME}_len = ${len};\n")
