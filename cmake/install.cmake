# `cmake --install <build> --prefix P`: headers, static libraries, a CMake package
# (find_package(tangle CONFIG) -> tangle::core, tangle::algo, tangle::torch) and a pkg-config
# file for the core. The libraries are static, so their private dependencies (Eigen, JSON, NLopt,
# Spectra) travel as link-only requirements: the package config finds them again.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(TANGLE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tangle)
set(TANGLE_INSTALLED_TARGETS tangle_core tangle_algo)
set_target_properties(tangle_core PROPERTIES EXPORT_NAME core)
set_target_properties(tangle_algo PROPERTIES EXPORT_NAME algo)
target_include_directories(tangle_core PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# The headers are C++20 (std::span, concepts): a consumer's target compiles as C++20 at least.
target_compile_features(tangle_core PUBLIC cxx_std_20)

set(TANGLE_HEADER_DIRS core ir sim diff io algo)
if(NOT TANGLE_CORE_ONLY)
  list(APPEND TANGLE_INSTALLED_TARGETS tangle_torch)
  set_target_properties(tangle_torch PROPERTIES EXPORT_NAME torch)
  target_include_directories(tangle_torch PUBLIC $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  list(APPEND TANGLE_HEADER_DIRS torch)
endif()

install(TARGETS ${TANGLE_INSTALLED_TARGETS} EXPORT tangleTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(dir ${TANGLE_HEADER_DIRS})
  install(DIRECTORY include/tangle/${dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/tangle)
endforeach()
install(EXPORT tangleTargets NAMESPACE tangle:: DESTINATION ${TANGLE_CMAKE_DIR})

if(TANGLE_CORE_ONLY)
  set(TANGLE_PACKAGE_HAS_TORCH OFF)
else()
  set(TANGLE_PACKAGE_HAS_TORCH ON)
endif()
configure_package_config_file(cmake/tangleConfig.cmake.in ${PROJECT_BINARY_DIR}/tangleConfig.cmake
                              INSTALL_DESTINATION ${TANGLE_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tangleConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tangleConfig.cmake ${PROJECT_BINARY_DIR}/tangleConfigVersion.cmake
        DESTINATION ${TANGLE_CMAKE_DIR})

# pkg-config for the core alone (no CMake, no torch): `pkg-config --cflags --libs tangle-core`.
# Relocatable: the prefix is found from the .pc file's own place, whatever --prefix said.
file(RELATIVE_PATH TANGLE_PC_TO_PREFIX /root/${CMAKE_INSTALL_LIBDIR}/pkgconfig /root)
string(REGEX REPLACE "/$" "" TANGLE_PC_TO_PREFIX "${TANGLE_PC_TO_PREFIX}")
configure_file(cmake/tangle-core.pc.in ${PROJECT_BINARY_DIR}/tangle-core.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tangle-core.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
