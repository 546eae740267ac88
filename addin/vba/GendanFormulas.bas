Attribute VB_Name = "GendanFormulas"
' The GD_ worksheet formulas: written by xlwings' generate_vba_wrapper for gendan.xlam
' (python -m gendan.addin.build); do not edit. XLPy comes from the xlwings project.
#Const App = "Microsoft Excel" 'Adjust when using outside of Excel
Function GD_AGING(days)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_AGING = XLPy.CallUDF("macros_py.udfs", "GD_AGING", Array(days), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_AGING = XLPy.CallUDF("macros_py.udfs", "GD_AGING", Array(days))
        Exit Function
    #End If
failed:
    GD_AGING = Err.Description
End Function

Function GD_CHECK_DIGIT(code)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_CHECK_DIGIT = XLPy.CallUDF("macros_py.udfs", "GD_CHECK_DIGIT", Array(code), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_CHECK_DIGIT = XLPy.CallUDF("macros_py.udfs", "GD_CHECK_DIGIT", Array(code))
        Exit Function
    #End If
failed:
    GD_CHECK_DIGIT = Err.Description
End Function

Function GD_CONTAINER_OK(code)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_CONTAINER_OK = XLPy.CallUDF("macros_py.udfs", "GD_CONTAINER_OK", Array(code), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_CONTAINER_OK = XLPy.CallUDF("macros_py.udfs", "GD_CONTAINER_OK", Array(code))
        Exit Function
    #End If
failed:
    GD_CONTAINER_OK = Err.Description
End Function

Function GD_DAYS_OVERDUE(due, Optional as_of, Optional outstanding)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_DAYS_OVERDUE = XLPy.CallUDF("macros_py.udfs", "GD_DAYS_OVERDUE", Array(due, as_of, outstanding), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_DAYS_OVERDUE = XLPy.CallUDF("macros_py.udfs", "GD_DAYS_OVERDUE", Array(due, as_of, outstanding))
        Exit Function
    #End If
failed:
    GD_DAYS_OVERDUE = Err.Description
End Function

Function GD_DUE_DATE(terms, Optional contract_date, Optional etd, Optional bl_date, Optional docs_sent_date, Optional part)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_DUE_DATE = XLPy.CallUDF("macros_py.udfs", "GD_DUE_DATE", Array(terms, contract_date, etd, bl_date, docs_sent_date, part), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_DUE_DATE = XLPy.CallUDF("macros_py.udfs", "GD_DUE_DATE", Array(terms, contract_date, etd, bl_date, docs_sent_date, part))
        Exit Function
    #End If
failed:
    GD_DUE_DATE = Err.Description
End Function

Function GD_OUTSTANDING(amount, Optional received)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_OUTSTANDING = XLPy.CallUDF("macros_py.udfs", "GD_OUTSTANDING", Array(amount, received), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_OUTSTANDING = XLPy.CallUDF("macros_py.udfs", "GD_OUTSTANDING", Array(amount, received))
        Exit Function
    #End If
failed:
    GD_OUTSTANDING = Err.Description
End Function

Function GD_ROW_CHECK(header, row, Optional customers, Optional products, Optional as_of)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_ROW_CHECK = XLPy.CallUDF("macros_py.udfs", "GD_ROW_CHECK", Array(header, row, customers, products, as_of), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_ROW_CHECK = XLPy.CallUDF("macros_py.udfs", "GD_ROW_CHECK", Array(header, row, customers, products, as_of))
        Exit Function
    #End If
failed:
    GD_ROW_CHECK = Err.Description
End Function

Function GD_TERMS(text, Optional field)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_TERMS = XLPy.CallUDF("macros_py.udfs", "GD_TERMS", Array(text, field), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_TERMS = XLPy.CallUDF("macros_py.udfs", "GD_TERMS", Array(text, field))
        Exit Function
    #End If
failed:
    GD_TERMS = Err.Description
End Function

Function GD_WORDS_EN(amount, Optional currency_code)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_WORDS_EN = XLPy.CallUDF("macros_py.udfs", "GD_WORDS_EN", Array(amount, currency_code), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_WORDS_EN = XLPy.CallUDF("macros_py.udfs", "GD_WORDS_EN", Array(amount, currency_code))
        Exit Function
    #End If
failed:
    GD_WORDS_EN = Err.Description
End Function

Function GD_WORDS_ZH(amount, Optional currency_code)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        GD_WORDS_ZH = XLPy.CallUDF("macros_py.udfs", "GD_WORDS_ZH", Array(amount, currency_code), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        GD_WORDS_ZH = XLPy.CallUDF("macros_py.udfs", "GD_WORDS_ZH", Array(amount, currency_code))
        Exit Function
    #End If
failed:
    GD_WORDS_ZH = Err.Description
End Function

