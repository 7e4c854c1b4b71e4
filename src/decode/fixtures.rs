//! Recorded payloads from `shared/reference/shoper-api.md` §5–§6, verbatim where the reference
//! gives them in full. Where the reference abbreviates (`billing_address: {...same 16 keys...}`,
//! application-config's field list) the gap is filled with the documented keys and encodings.

use serde_json::Value;

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is valid JSON")
}

/// §6.1 `GET /orders/1` (billing address filled with the delivery address's 16 keys).
pub const ORDER: &str = r#"{"order_id":"1","user_id":"1","date":"2026-06-28 21:59:15","status_date":"2026-06-30 16:59:15",
 "confirm_date":"2026-06-30 18:59:15","delivery_date":"2026-07-05","status_id":"1","sum":"149.95",
 "payment_id":"1","user_order":"0","shipping_id":"8","shipping_cost":"0.00","email":"sample@example.com",
 "delivery_code":"","code":"12a2f1480ea5a344894f29e657744765","confirm":"0","notes":"","notes_priv":"",
 "notes_pub":"","currency_id":"1","currency_rate":"1","paid":"0.00","ip_address":"212.47.242.1",
 "discount_client":"0","discount_group":"0","discount_levels":"0","discount_code":"0","code_id":null,
 "lang_id":"1","origin":"0","parent_order_id":null,"registered":"0","delivery_email":null,"promo_code":"",
 "additional_fields":[{"field_id":"2","type":"2","locate":"104","req":"1","active":"1","order":"0","field_value":"1","value":"1"}],
 "properties":[],"tags":[],"order_url":"https://sklep173975.shoparena.pl/pl/panel/order/1","payment_url":"",
 "is_cash_on_delivery":false,"is_paid":false,"is_overpayment":false,"is_underpayment":true,
 "total_parcels":0,"total_products":1,"children":[],"loyalty_cost":0,"loyalty_score":0,"vat_eu":false,
 "shipping_tax_name":"23%","shipping_tax_value":"23","shipping_tax_id":"1",
 "delivery_address":{"address_id":"1","order_id":"1","type":"1","firstname":"Adam","lastname":"Nowak",
   "company":"","pesel":"","city":"Kraków","postcode":"30-718","street1":"Myśliwska 98","street2":"",
   "state":"","country":"Polska","phone":"640432543","country_code":"PL","tax_identification_number":""},
 "billing_address":{"address_id":"2","order_id":"1","type":"1","firstname":"Adam","lastname":"Nowak",
   "company":"","pesel":"","city":"Kraków","postcode":"30-718","street1":"Myśliwska 98","street2":"",
   "state":"","country":"Polska","phone":"640432543","country_code":"PL","tax_identification_number":""}}"#;

/// §6.2 recorded order-products item.
pub const ORDER_PRODUCT: &str = r#"{"id":"8","order_id":"1","product_id":"13","stock_id":"13","price":"149.95","discount_perc":"0.0000",
 "quantity":"1","delivery_time":"1","name":"Spódnica 4F wieczorowa","code":"101","pkwiu":"","tax":"23%",
 "tax_value":"23","unit":"szt.","option":"Kolor ubrań: Czerwony; Rozmiar: S","unit_fp":"0","weight":"0.5",
 "type":"0","loyalty":null,"delivery_time_hours":"24","is_digital":0,"text_options":[],"file_options":[],
 "warehouse_code":"","ean":"","images":null}"#;

/// §6.3 recorded status.
pub const STATUS: &str = r#"{"status_id":"7","active":"1","default":"0","color":"","type":"3","email_change":"0","order":"7",
 "translations":{"pl_PL":{"trans_id":"7","status_id":"7","name":"przesyłka wysłana","lang_id":"1",
   "message":"przesyłka wysłana","message_html":"przesyłka wysłana"}}}"#;

/// §6.4 recorded product (as trimmed in the reference, `"...":"..."` included).
pub const PRODUCT: &str = r#"{"product_id":"36","producer_id":"16","group_id":null,"tax_id":"1","add_date":"2023-10-05 11:07:59",
 "edit_date":"2026-07-01 19:15:59","other_price":"0.00","pkwiu":"","unit_id":"1","in_loyalty":"0",
 "loyalty_score":null,"loyalty_price":null,"bestseller":"0","newproduct":"0","dimension_w":"0.0000",
 "dimension_h":"0.0000","dimension_l":"0.0000","vol_weight":"0.0000","currency_id":null,"gauge_id":null,
 "unit_price_calculation":"0","type":"0","category_id":"19","categories":[19],"is_product_of_day":false,
 "is_digital":0,"collections":[2,3],"promo_price":null,"code":"A490-80004","ean":"",
 "stock":{"stock_id":"44","extended":"0","price":"290.00","stock":"100","warn_level":"1","sold":"0",
   "weight":"1","active":"1","default":"1","product_id":"36","code":"A490-80004","ean":"", "...":"..."},
 "translations":{"pl_PL":{"translation_id":"36","product_id":"36","name":"Okulary słoneczne Orange",
   "short_description":"<p>…</p>","description":"<p>…</p>","active":"1","lang_id":"1","isdefault":"0",
   "seo_title":"","seo_description":"","seo_keywords":"","order":"1","main_page":"0","main_page_order":"0",
   "booster":"","seo_url":"","permalink":"https://sklep173975.shoparena.pl/pl/p/Okulary-sloneczne-Orange/36"}},
 "options":[],"options_non_stock":[],"attributes":{"5":[],"6":[],"7":[]},"related":[37,67],
 "main_image":{"gfx_id":"46","name":"36b.jpg","unic_name":"46","order":"1","hidden":"0","extension":"jpg",
   "translations":{"pl_PL":{"translation_id":"46","gfx_id":"46","name":"36b.jpg","description":"","lang_id":"1"}}},
 "feeds_excludes":[],"tags":[],
 "safety_information":{"gpsr_producer_id":null,"gpsr_importer_id":null,"gpsr_responsible_id":null,"gpsr_certificates":[]}}"#;

/// §6.5 recorded product-stock with a special offer.
pub const PRODUCT_STOCK: &str = r#"{"stock_id":"38","extended":"0","price":"235.00","price_type":"1","price_buying":"0.00","price_buying_net":"0.00",
 "stock":"10","package":"0","warn_level":"1","sold":"0","weight":"1","weight_type":"1","active":"1","default":"0",
 "product_id":"30","availability_id":null,"delivery_id":"5","gfx_id":null,"code":"0187-62130","ean":"",
 "comp_weight":"1","comp_price":"235.00","comp_promo_price":"182.00","price_wholesale":"235.00",
 "comp_price_wholesale":"235.00","comp_promo_price_wholesale":"182.00","price_special":"235.00",
 "comp_price_special":"235.00","comp_promo_price_special":"182.00","price_type_wholesale":"1",
 "price_type_special":"1","calculation_unit_id":null,"calculation_unit_ratio":"0","calculated_availability_id":"2",
 "options":[],"historical_lowest_price":"235.00","wholesale_historical_lowest_price":"235.00",
 "special_historical_lowest_price":"235.00",
 "special_offer":{"promo_id":"8","discount_type":"1","discount":"53.00","date_from":"2026-06-28 21:59:15",
   "date_to":"2026-08-30 21:59:15","condition_type":"1","product_id":"30","stocks":[38]}}"#;

/// §6.6 recorded category.
pub const CATEGORY: &str = r#"{"category_id":"17","order":"4","root":"0","in_loyalty":"0","sort_type":"0",
"image_background":"","image_thumbnail":"","translations":{"pl_PL":{"trans_id":"17","category_id":"17",
"name":"Spódnice","description":"","description_bottom":"","active":"1","pres_id":null,"isdefault":"0",
"lang_id":"1","seo_title":"","seo_description":"","seo_keywords":"","custom_heading":"","seo_url":"",
"permalink":"https://…/pl/c/Spodnice/17","items":1,"attribute_groups":[5,6,7]}}}"#;

/// §6.6 `categories-tree` shape (bare array, JSON int ids).
pub const CATEGORIES_TREE: &str = r#"[{"id":21,"children":[{"id":16,"children":[{"id":17,"children":[]}]},{"id":19,"children":[]}]},{"id":5,"children":[]}]"#;

/// §6.7 the recorded tax set.
pub const TAXES: &str = r#"[{"tax_id":"1","value":"23","name":"23%","class":"23%"},
 {"tax_id":"2","value":"8","name":"8%","class":"8%"},
 {"tax_id":"3","value":"5","name":"5%","class":"5%"},
 {"tax_id":"4","value":"0","name":"0%","class":"0%"},
 {"tax_id":"5","value":"0","name":"zw.","class":"zw."},
 {"tax_id":"6","value":"0","name":"np.","class":"np."}]"#;

/// §6.8 recorded unit, plus the default `kg` with `floating_point` 1.
pub const UNITS: &str = r#"[{"unit_id":"1","floating_point":"0","translations":{"pl_PL":{"translation_id":"1","unit_id":"1","name":"szt.","lang_id":"1"}}},
 {"unit_id":"2","floating_point":"1","translations":{"pl_PL":{"translation_id":"2","unit_id":"2","name":"kg","lang_id":"1"}}}]"#;

/// §6.10 languages of a fresh shop.
pub const LANGUAGES: &str = r#"[{"lang_id":"1","locale":"pl_PL","currency_id":"1","active":"1","order":"1"},
 {"lang_id":"2","locale":"en_US","currency_id":"2","active":"0","order":"2"}]"#;

/// §6.11 recorded currency.
pub const CURRENCY: &str = r#"{"currency_id":"1","name":"PLN","rate":"1","order":"1","active":"1","rate_sync":"1","auto_update":"0",
"rate_date":"2009-12-09","default":"1"}"#;

/// §6.12 application-config: the documented fields with their documented encodings.
pub const APP_CONFIG: &str = r#"{"shop_url":"https://sklep173975.shoparena.pl","shop_company_name":"Sklep &quot;Test&quot;",
 "shop_tax_id":"","locale_timezone":"Europe/Warsaw","default_language_name":"pl_PL","default_language_id":"1",
 "default_currency_name":"PLN","default_currency_id":"1","warehouses_enabled":false,
 "shopping_update_stock_on_buy":"1","shopping_allow_overselling":"","shopping_parcel_create_status_id":"6",
 "shopping_parcel_send_status_id":"7","product_defaults_tax_id":"1","product_defaults_unit_id":"1",
 "product_defaults_stock":"0","loyalty_enable":"0"}"#;

/// §5 recorded bulk response shape.
pub const BULK: &str = r#"{"errors":false,"items":[
  {"id":"get-orders-p1","code":200,"body":{"count":"120","pages":3,"page":1,"list":[]}},
  {"id":"product-stocks-181","code":200,"body":1},
  {"id":"delete-image-7","code":404,"body":{"error":"invalid_request","error_description":"Resource not found"}}
]}"#;
