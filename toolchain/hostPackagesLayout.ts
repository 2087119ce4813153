/**
 * The version of what a host-packages import records: bump it when the
 * staged layout or the flags derived from it change, and every cache of an
 * import (importHostPackages' own, and resolveToolchain's quick one) is
 * then ignored. A module of its own so that resolveToolchain can read it
 * without loading the importer.
 */
export const HOST_PACKAGES_LAYOUT = 2;
