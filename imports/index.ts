export { importPartners, PARTNER_COLUMNS, type PartnerData } from './partners';
export { importCustomers, CUSTOMER_COLUMNS, type CustomerData } from './customers';
export { importPrices, PRICE_COLUMNS } from './prices';
export { importUsage, USAGE_COLUMNS, type ImportUsageOptions } from './usage';
export { InputError } from './errors';
export { toJson, formatReport, type ImportReport, type ImportJson, type ImportKind, type Rejection } from './report';
export { openCsv, type CsvRecord, type CsvSource } from './csv-reader';
