// UI strings of the web map, Vietnamese first. Place and land-use names come
// from the data and the style's metadata, not from here.
export const strings = {
  vi: {
    title: 'Bản đồ quy hoạch tỉnh Sơn La',
    layers: 'Lớp dữ liệu',
    legend: 'Chú giải sử dụng đất',
    otherLanduse: 'Loại đất khác',
    zoomTo: 'Phóng tới',
    zoomToTitle: 'Phóng tới toàn bộ lớp {name}',
    panel: 'Bảng điều khiển',
    hidePanel: 'Ẩn bảng',
    showPanel: 'Hiện bảng',
    language: 'Ngôn ngữ',
    loading: 'Đang tải bản đồ…',
    noTilesets: 'Máy chủ chưa có lớp dữ liệu nào.',
    tilesetMissing: 'Máy chủ không có bộ dữ liệu {name} mà kiểu bản đồ cần.',
    loadError: 'Không tải được bản đồ: {error}',
    vendorMissing: 'Thiếu thư viện MapLibre GL JS trong bản cài đặt. Chạy "make deps-web" rồi build lại.',
    webglMissing: 'Trình duyệt không hỗ trợ WebGL nên không vẽ được bản đồ.',
    basemap: 'Bản đồ nền',
    feature: 'Đối tượng',
    layer: 'Lớp',
    alsoHere: 'Cũng tại đây',
    yes: 'Có',
    no: 'Không',
    hectares: 'ha',
    close: 'Đóng',
    zooms: 'mức zoom {min}–{max}',
    qgis: 'Kết nối QGIS',
    qgisHelp: 'QGIS: Lớp → Thêm lớp → Vector Tile → Kết nối mới (Generic): dán địa chỉ ô bản đồ và địa chỉ kiểu bản đồ.',
    tileUrl: 'Địa chỉ ô bản đồ (XYZ)',
    styleUrl: 'Địa chỉ kiểu bản đồ',
    copy: 'Chép',
    copied: 'Đã chép',
    search: 'Tìm kiếm',
    searchPlaceholder: 'Tìm tên đường, xã, mã ô…',
    searchNone: 'Không tìm thấy “{q}”',
    searchFailed: 'Không tìm được: {error}',
  },
  en: {
    title: 'Son La provincial planning map',
    layers: 'Layers',
    legend: 'Land-use legend',
    otherLanduse: 'Other land use',
    zoomTo: 'Zoom to',
    zoomToTitle: 'Zoom to the whole of {name}',
    panel: 'Control panel',
    hidePanel: 'Hide panel',
    showPanel: 'Show panel',
    language: 'Language',
    loading: 'Loading the map…',
    noTilesets: 'The server has no tilesets yet.',
    tilesetMissing: 'The server has no tileset {name}, which the map style needs.',
    loadError: 'Could not load the map: {error}',
    vendorMissing: 'MapLibre GL JS is missing from this build. Run "make deps-web" and rebuild.',
    webglMissing: 'This browser has no WebGL, so the map cannot be drawn.',
    basemap: 'Basemap',
    feature: 'Feature',
    layer: 'Layer',
    alsoHere: 'Also here',
    yes: 'Yes',
    no: 'No',
    hectares: 'ha',
    close: 'Close',
    zooms: 'zoom {min}–{max}',
    qgis: 'Connect from QGIS',
    qgisHelp: 'QGIS: Layer → Add Layer → Vector Tile → New Generic Connection: paste the tile URL and the style URL.',
    tileUrl: 'Tile URL (XYZ)',
    styleUrl: 'Style URL',
    copy: 'Copy',
    copied: 'Copied',
    search: 'Search',
    searchPlaceholder: 'Find a street, commune, plot code…',
    searchNone: 'Nothing found for “{q}”',
    searchFailed: 'Search failed: {error}',
  },
};

export const languages = ['vi', 'en'];

/** Returns a translator for lang: t('key', {name: 'x'}). */
export function translator(lang) {
  const table = strings[lang] ?? strings.vi;
  return (key, args = {}) =>
    (table[key] ?? strings.vi[key] ?? key).replace(/\{(\w+)\}/g, (_, k) => String(args[k] ?? ''));
}

/** The locale used to format numbers in lang. */
export const locales = { vi: 'vi-VN', en: 'en-GB' };
