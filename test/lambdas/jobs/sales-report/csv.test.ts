import { describe, expect, it } from 'vitest';
import { CSV_HEADER, csvField, formatCents, orderCsvRows } from '../../../../lambdas/jobs/sales-report/csv';

describe('csvField', () => {
  it('leaves plain text unquoted', () => {
    expect(csvField('Espresso')).toBe('Espresso');
    expect(csvField('')).toBe('');
  });

  it('quotes a field with a comma, a quote, CR or LF and doubles its quotes', () => {
    expect(csvField('Tea, green')).toBe('"Tea, green"');
    expect(csvField('The "Big" one')).toBe('"The ""Big"" one"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('"')).toBe('""""');
  });
});

describe('formatCents', () => {
  it('writes exact decimals with two places', () => {
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(10)).toBe('0.10');
    expect(formatCents(199)).toBe('1.99');
    expect(formatCents(123456)).toBe('1234.56');
    expect(formatCents(-5)).toBe('-0.05');
    expect(formatCents(9007199254740991)).toBe('90071992547409.91');
  });

  it('rejects a fraction of a cent', () => {
    expect(() => formatCents(1.5)).toThrow('formatCents: expected a whole number of cents, got 1.5');
  });
});

describe('orderCsvRows', () => {
  it('writes one CRLF row per line with the order total repeated, escaping text fields', () => {
    const rows = orderCsvRows({
      orderId: 'o-1',
      orderDay: '2026-11-25',
      createdAt: '2026-11-25T10:00:00.000Z',
      customerId: 'c,1',
      lines: [
        { productId: 'p-1', name: 'Mug "XL", blue', quantity: 2, unitPriceCents: 1250 },
        { productId: 'p-2', name: 'Card\nwith two lines', quantity: 1, unitPriceCents: 99 },
      ],
    });
    // total: 2 x 12.50 + 0.99 = 25.99
    expect(rows).toBe(
      'o-1,2026-11-25T10:00:00.000Z,"c,1",p-1,"Mug ""XL"", blue",2,12.50,25.00,25.99\r\n' +
        'o-1,2026-11-25T10:00:00.000Z,"c,1",p-2,"Card\nwith two lines",1,0.99,0.99,25.99\r\n',
    );
  });

  it('has the documented header', () => {
    expect(CSV_HEADER).toBe('order_id,created_at,customer_id,product_id,product_name,quantity,unit_price,line_total,order_total\r\n');
  });
});
