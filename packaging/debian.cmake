# Debian packages with CPack, one per component: libimgcolor0 (the shared library),
# libimgcolor-dev (header, CMake package, pkg-config file, libimgcolor(3)), imgcolor (the
# CLI, its page, completions and the documents) and imgcolor-server. `make deb` builds
# them from a tree configured with -DIMGCOLOR_DEB=ON -DCMAKE_INSTALL_PREFIX=/usr.
set(IMGCOLOR_DEB_MAINTAINER "libimgcolor maintainers <maintainers@libimgcolor.invalid>"
  CACHE STRING "Maintainer field of the Debian packages")
if(NOT IMGCOLOR_DEB)
  return()
endif()
if(NOT BUILD_SHARED_LIBS)
  message(FATAL_ERROR "IMGCOLOR_DEB packages the shared library: drop -DBUILD_SHARED_LIBS=OFF")
endif()

set(IMGCOLOR_DEB_PACKAGES "lib;libimgcolor${PROJECT_VERSION_MAJOR}" "dev;libimgcolor-dev")
if(IMGCOLOR_BUILD_CLI)
  list(APPEND IMGCOLOR_DEB_PACKAGES "cli;imgcolor")
endif()
if(IMGCOLOR_BUILD_SERVER)
  list(APPEND IMGCOLOR_DEB_PACKAGES "server;imgcolor-server")
endif()

# Every package carries its copyright file and changelog in /usr/share/doc/PACKAGE.
set(IMGCOLOR_DEB_CHANGELOG ${CMAKE_BINARY_DIR}/packaging/changelog.gz)
string(TIMESTAMP IMGCOLOR_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/changelog.in ${CMAKE_BINARY_DIR}/packaging/changelog @ONLY)
add_custom_command(OUTPUT ${IMGCOLOR_DEB_CHANGELOG}
  COMMAND sh -c "gzip -9nc \"$1\" > \"$2\"" sh ${CMAKE_BINARY_DIR}/packaging/changelog
          ${IMGCOLOR_DEB_CHANGELOG}
  DEPENDS ${CMAKE_BINARY_DIR}/packaging/changelog VERBATIM)
add_custom_target(imgcolor_deb_changelog ALL DEPENDS ${IMGCOLOR_DEB_CHANGELOG})

set(CPACK_COMPONENTS_ALL "")
list(LENGTH IMGCOLOR_DEB_PACKAGES n)
math(EXPR last "${n} - 1")
foreach(i RANGE 0 ${last} 2)
  math(EXPR j "${i} + 1")
  list(GET IMGCOLOR_DEB_PACKAGES ${i} component)
  list(GET IMGCOLOR_DEB_PACKAGES ${j} package)
  string(TOUPPER ${component} C)
  list(APPEND CPACK_COMPONENTS_ALL ${component})
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME ${package})
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright ${IMGCOLOR_DEB_CHANGELOG}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGE_NAME imgcolor)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${IMGCOLOR_DEB_MAINTAINER})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/deb)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${CMAKE_BINARY_DIR}/lib)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY "=")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/libimgcolor/libimgcolor")
set(CPACK_DEBIAN_PACKAGE_SECTION graphics)
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_SERVER_PACKAGE_SECTION web)
set(CPACK_COMPONENT_DEV_DEPENDS lib)
# The library opens libtiff.so.6, libheif.so.1 and libaom.so.3 with dlopen()
# (lib/tiff_loader.c, lib/heif_loader.c): no DT_NEEDED names them, so dpkg-shlibdeps
# cannot, and the package depends on them by name; CPack appends what dpkg-shlibdeps
# finds.
set(IMGCOLOR_DEB_LOADED "")
if(IMGCOLOR_WITH_TIFF)
  list(APPEND IMGCOLOR_DEB_LOADED "libtiff6 (>= 4.5)")
endif()
if(IMGCOLOR_WITH_HEIF)
  list(APPEND IMGCOLOR_DEB_LOADED "libheif1 (>= 1.15)" "libaom3")
endif()
list(JOIN IMGCOLOR_DEB_LOADED ", " CPACK_DEBIAN_LIB_PACKAGE_DEPENDS)
# pkg-config needs the modules imgcolor.pc requires even to give --cflags: the -dev
# package depends on the Debian packages that hold their .pc files.
get_property(IMGCOLOR_PC_MODULES GLOBAL PROPERTY IMGCOLOR_PC_REQUIRES)
separate_arguments(IMGCOLOR_PC_MODULES UNIX_COMMAND "${IMGCOLOR_PC_MODULES}")
set(IMGCOLOR_DEB_DEV_DEPENDS "")
list(FILTER IMGCOLOR_PC_MODULES EXCLUDE REGEX "^[<>=!]|^[0-9]")  # version constraints
foreach(module IN LISTS IMGCOLOR_PC_MODULES)
  execute_process(COMMAND ${PKG_CONFIG_EXECUTABLE} --path ${module}
    OUTPUT_VARIABLE pc_file OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  execute_process(COMMAND dpkg-query -S ${pc_file}
    OUTPUT_VARIABLE owner OUTPUT_STRIP_TRAILING_WHITESPACE COMMAND_ERROR_IS_FATAL ANY)
  string(REGEX REPLACE "[:,].*" "" owner "${owner}")
  list(APPEND IMGCOLOR_DEB_DEV_DEPENDS ${owner})
endforeach()
list(REMOVE_DUPLICATES IMGCOLOR_DEB_DEV_DEPENDS)
list(JOIN IMGCOLOR_DEB_DEV_DEPENDS ", " CPACK_DEBIAN_DEV_PACKAGE_DEPENDS)
set(CPACK_COMPONENT_CLI_DEPENDS lib)
set(CPACK_COMPONENT_SERVER_DEPENDS lib)
# Descriptions: the first line is the synopsis; CPack indents the rest and turns an
# empty line into " .". The summary is left at CPack's default, which CPack then does
# not prepend.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_NAME} built using CMake")
set(IMGCOLOR_DEB_ABOUT "libimgcolor finds the prominent colours of PNG and JPEG images with
exact k-means clustering of their pixels, as scikit-learn's KMeans
computes it, converts colours to hex codes and draws pie charts as PNG
or SVG.")
set(CPACK_DEBIAN_LIB_DESCRIPTION "prominent colours of images (shared library)
${IMGCOLOR_DEB_ABOUT} It is reentrant: no globals, no hidden state.")
set(CPACK_DEBIAN_DEV_DESCRIPTION "prominent colours of images (development files)
${IMGCOLOR_DEB_ABOUT}

This package holds the header, the CMake package, the pkg-config file
and the libimgcolor(3) manual page.")
set(CPACK_DEBIAN_CLI_DESCRIPTION "prominent colours of images (command-line tool)
${IMGCOLOR_DEB_ABOUT}

This package holds the imgcolor command, which prints the prominent
colours of images as text, JSON or CSV, converts RGB triples to hex
codes and draws pie charts of colours.")
set(CPACK_DEBIAN_SERVER_DESCRIPTION "prominent colours of images (HTTP server)
${IMGCOLOR_DEB_ABOUT}

This package holds imgcolor-server, which serves the library over HTTP,
wire-compatible with the Flask micro-services of the lesson 'Secure
RESTful APIs using Python'.")

# The library's package tells dpkg to run ldconfig through a trigger; its own empty
# maintainer scripts keep CPack from writing ones that call ldconfig (which lintian
# warns of), and lintian is told they are empty on purpose.
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/lib/triggers
  ${CMAKE_CURRENT_LIST_DIR}/lib/postinst ${CMAKE_CURRENT_LIST_DIR}/lib/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
install(FILES ${CMAKE_CURRENT_LIST_DIR}/lib/lintian-overrides
  DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
  RENAME libimgcolor${PROJECT_VERSION_MAJOR} COMPONENT lib)
include(CPack)
