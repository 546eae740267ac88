Attribute VB_Name = "GendanRibbon"
' gendan.xlam - the one ribbon callback of the Gendan add-in.
'
' Every button in customUI14.xml has onAction="GendanOnAction".  The callback hands the
' button's id to Python, where macros_py.ribbon.run(id) picks the function, so adding a
' button is an XML edit and a Python function, never new VBA.
'
' RunPython comes from the xlwings add-in (open-source, BSD), which must be installed:
'     xlwings addin install        (gendan addin install does it)
' It reads its settings (Interpreter, PYTHONPATH, UDF Modules) from xlwings.conf.
' Keep this file ASCII: the VBA project is written in the Windows code page.
Option Explicit

Private Const XLWINGS_ADDIN As String = "xlwings.xlam"
Private Const XLWINGS_RUNPYTHON As String = "'xlwings.xlam'!RunPython"

Public Sub GendanOnAction(control As IRibbonControl)
    GendanRun control.ID
End Sub

Public Sub GendanRun(ByVal buttonId As String)
    Dim command As String
    If ActiveWorkbook Is Nothing Then
        MsgBox "Open the workbook to work on first, then click the button again.", _
               vbInformation, "Gendan"
        Exit Sub
    End If
    command = "import macros_py.ribbon as r; r.run('" & buttonId & "')"
    On Error GoTo Failed
    Application.Run XLWINGS_RUNPYTHON, command
    Exit Sub
Failed:
    ' Only a missing xlwings add-in gets the install hint; any other error is shown as
    ' Excel (or Python, through xlwings) reported it.
    If Not XlwingsIsOpen() Then
        MsgBox "Gendan needs the xlwings add-in, which is not loaded. In a terminal run:" & _
               vbCrLf & "    gendan addin install" & vbCrLf & _
               "then restart Excel.", vbExclamation, "Gendan"
    Else
        MsgBox "Gendan: " & Err.Description & " (error " & Err.Number & ")", _
               vbExclamation, "Gendan"
    End If
End Sub

Private Function XlwingsIsOpen() As Boolean
    ' Installed add-ins are members of Workbooks by name even though they are hidden.
    Dim wb As Workbook
    On Error Resume Next
    Set wb = Application.Workbooks(XLWINGS_ADDIN)
    XlwingsIsOpen = Not wb Is Nothing
    On Error GoTo 0
End Function
