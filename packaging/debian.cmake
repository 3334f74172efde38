# Debian packages with CPack, one per component: libimgcolor0 (the shared library),
# libimgcolor-dev (header, CMake package, pkg-config file, libimgcolor(3)), imgcolor (the
# CLI, its page, completions and the documents) and imgcolor-server. `make deb` builds
# them from a tree configured with -DIMGCOLOR_DEB=ON -DCMAKE_INSTALL_PREFIX=/usr.
option(IMGCOLOR_DEB "Configure for Debian packages (make deb)" OFF)
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
  set(CPACK_DEBIAN_${C}_FILE_NAME "${package}_${PROJECT_VERSION}_${CMAKE_SYSTEM_PROCESSOR}.deb")
  install(FILES ${CMAKE_CURRENT_LIST_DIR}/copyright ${IMGCOLOR_DEB_CHANGELOG}
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
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
set(CPACK_COMPONENT_CLI_DEPENDS lib)
set(CPACK_COMPONENT_SERVER_DEPENDS lib)
set(CPACK_COMPONENT_LIB_DESCRIPTION "prominent colours of images (shared library)
 libimgcolor finds the prominent colours of PNG and JPEG images with exact
 k-means clustering of their pixels, as scikit-learn's KMeans computes it,
 converts colours to hex codes and draws pie charts as PNG or SVG. It is
 reentrant: no globals, no hidden state.")
set(CPACK_COMPONENT_DEV_DESCRIPTION "prominent colours of images (development files)
 libimgcolor finds the prominent colours of PNG and JPEG images with exact
 k-means clustering of their pixels.
 .
 This package holds the header, the CMake package, the pkg-config file and
 the libimgcolor(3) manual page.")
set(CPACK_COMPONENT_CLI_DESCRIPTION "prominent colours of images (command-line tool)
 imgcolor prints the prominent colours of PNG and JPEG images (exact k-means
 of their pixels) as text, JSON or CSV, converts RGB triples to hex codes
 and draws pie charts of colours as PNG or SVG.")
set(CPACK_COMPONENT_SERVER_DESCRIPTION "prominent colours of images (HTTP server)
 imgcolor-server serves libimgcolor over HTTP: the prominent colours of an
 image, RGB triples to hex codes and pie charts, wire-compatible with the
 Flask micro-services of the lesson \"Secure RESTful APIs using Python\".")
include(CPack)
